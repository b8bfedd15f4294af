"""processing jobs: each booking's progress through its country's steps

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Bookings stored before this revision have no job: they keep the status they have,
for an admin to confirm or reject, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processing_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("offered_to", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("passed", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_processing_jobs_appointment_id_appointments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_jobs")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_processing_jobs_appointment_id")),
    )
    op.create_index(
        op.f("ix_processing_jobs_state_next_attempt_at"),
        "processing_jobs",
        ["state", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_processing_jobs_state_next_attempt_at"), table_name="processing_jobs")
    op.drop_table("processing_jobs")
