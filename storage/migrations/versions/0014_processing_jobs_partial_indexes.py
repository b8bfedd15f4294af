"""processing jobs still to run are indexed alone: one partial index per state a
worker's round asks about, instead of 0008's index over every job's state

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

With a full index PostgreSQL's planner preferred reading every finished job on each
idle round (``docs/processing.md``, Speed); these two stay as small as the queue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD = "ix_processing_jobs_state_next_attempt_at"
QUEUED, WORKING = sa.text("state = 'queued'"), sa.text("state = 'working'")


def upgrade() -> None:
    op.drop_index(op.f(OLD), table_name="processing_jobs")
    op.create_index(
        op.f("ix_processing_jobs_queued_next_attempt_at"),
        "processing_jobs",
        ["next_attempt_at"],
        sqlite_where=QUEUED,
        postgresql_where=QUEUED,
    )
    op.create_index(
        op.f("ix_processing_jobs_working_lease_until"),
        "processing_jobs",
        ["lease_until"],
        sqlite_where=WORKING,
        postgresql_where=WORKING,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_processing_jobs_working_lease_until"), table_name="processing_jobs")
    op.drop_index(op.f("ix_processing_jobs_queued_next_attempt_at"), table_name="processing_jobs")
    op.create_index(op.f(OLD), "processing_jobs", ["state", "next_attempt_at"])
