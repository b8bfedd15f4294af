"""one active API token per name, held by the database: two admins making the same
name at the same moment no longer both succeed on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

An existing pair of active tokens with one name stops the upgrade (the index cannot be
built): revoke one with ``medbot api-token revoke``, then upgrade again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_api_tokens_active_name",
        "api_tokens",
        ["name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_api_tokens_active_name", table_name="api_tokens")
