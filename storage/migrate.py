"""Run Alembic migrations from code (the CLI and the tests use this)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.crypto.keyring import KeyRing

MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationRefused(Exception):
    """A migration that would lose or mangle data stops instead; its message, one line
    for the operator, says what to fix first."""


def alembic_config(database_url: str, keyring: KeyRing | None = None) -> Config:
    """``keyring`` encrypts and decrypts rows the migrations change (0011)."""
    config = Config()
    if keyring is not None:
        config.attributes["keyring"] = keyring
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser treats % as interpolation; URLs may contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The revision this code's migrations end at (read from the migration scripts)."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision the database behind ``conn`` is at; ``None`` if never migrated."""
    return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def upgrade(
    database_url: str, revision: str = "head", *, keyring: KeyRing | None = None
) -> None:
    # Alembic's env.py runs its own event loop, so it gets a thread.
    config = alembic_config(database_url, keyring)
    await asyncio.to_thread(command.upgrade, config, revision)


async def downgrade(
    database_url: str, revision: str = "base", *, keyring: KeyRing | None = None
) -> None:
    config = alembic_config(database_url, keyring)
    await asyncio.to_thread(command.downgrade, config, revision)
