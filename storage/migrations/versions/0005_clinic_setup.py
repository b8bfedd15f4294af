"""the clinic's name, its locations, and each doctor's location

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinic",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("admin_telegram_ids", sa.JSON(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_clinic_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_locations_code")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: it would copy and drop ``doctors``, and with foreign keys on the
        # drop deletes what references it. SQLite adds a referencing column in place.
        op.execute("ALTER TABLE doctors ADD COLUMN location_id INTEGER REFERENCES locations (id)")
    else:
        op.add_column("doctors", sa.Column("location_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_doctors_location_id_locations"),
            "doctors",
            "locations",
            ["location_id"],
            ["id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE doctors DROP COLUMN location_id")
    else:
        op.drop_constraint(op.f("fk_doctors_location_id_locations"), "doctors", type_="foreignkey")
        op.drop_column("doctors", "location_id")
    op.drop_table("locations")
    op.drop_table("clinic")
