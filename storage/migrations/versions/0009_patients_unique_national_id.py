"""one patient per national ID per country: a unique index on (national_id, country)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

It replaces 0007's plain index on national_id, which its first column serves. A
database in which two patients of one country already share a national ID is not
changed: the upgrade stops and says which patients (by id) to merge or correct, since
either may have appointments, which are the clinic's medical record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrate import MigrationRefused

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "uq_patients_national_id_country"

SHARED = sa.text(
    "SELECT p.id FROM patients p JOIN ("
    " SELECT national_id, country FROM patients"
    " GROUP BY national_id, country HAVING COUNT(*) > 1"
    ") d ON d.national_id = p.national_id AND d.country = p.country"
    " ORDER BY p.country, p.national_id, p.id"
)


def upgrade() -> None:
    shared = [row.id for row in op.get_bind().execute(SHARED)]
    if shared:
        raise MigrationRefused(
            f"{len(shared)} patients share a national ID with another patient of their "
            f"country (patient ids {', '.join(map(str, shared))}); merge or correct them, "
            "then run `medbot db upgrade` again"
        )
    op.drop_index("ix_patients_national_id", table_name="patients")
    op.create_index(INDEX, "patients", ["national_id", "country"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="patients")
    op.create_index("ix_patients_national_id", "patients", ["national_id"])
