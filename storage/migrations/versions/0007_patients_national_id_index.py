"""an index on patients.national_id, which admins search by

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_patients_national_id"), "patients", ["national_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_patients_national_id"), table_name="patients")
