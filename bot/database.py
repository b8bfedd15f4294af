"""Opening the database from the CLI, with operator-friendly errors; a demo database for
tests and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo_clinic import seed_demo
from bot.errors import StartupError
from bot.keys import generate_key_file, read_keyring, unlock
from bot.settings import Settings
from storage.engine import create_engine
from storage.migrate import MigrationRefused, current_revision, head_revision, upgrade
from storage.unit_of_work import SqlUnitOfWork


async def upgrade_database(
    url: str, data_key: SecretStr | None, *, announce_key: bool = True
) -> None:
    """Migrate; with the data key, since migration 0011 encrypts the rows stored."""
    ring = read_keyring(url, data_key)
    if ring is None and await _behind(url):
        ring = generate_key_file(url, announce=announce_key)
    try:
        await upgrade(url, keyring=ring)
    except MigrationRefused as error:
        raise StartupError(f"cannot migrate DATABASE_URL: {error}") from None
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(f"cannot migrate DATABASE_URL: {type(error).__name__}") from None


async def _behind(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await current_revision(conn) != head_revision()
    except (SQLAlchemyError, OSError):
        return False  # upgrade says what is wrong
    finally:
        await engine.dispose()


async def open_database(
    url: str, *, sqlite_driver: str = "inline", data_key: SecretStr | None
) -> AsyncEngine:
    """An engine on a reachable database whose schema is current, its data key bound."""
    engine = create_engine(url, sqlite_inline=sqlite_driver == "inline")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            current = await current_revision(conn)
    except (SQLAlchemyError, OSError) as error:
        await engine.dispose()
        raise StartupError(f"cannot open DATABASE_URL: {type(error).__name__}") from None
    if current != head_revision():
        await engine.dispose()
        raise StartupError("the database schema is not current: run `medbot db upgrade`")
    try:
        await unlock(engine, url, data_key)
    except BaseException:
        await engine.dispose()
        raise
    return engine


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """:func:`open_database` with the settings' URL, SQLite driver and data key, disposed
    on leaving: what every operator command opens."""
    engine = await open_database(
        settings.database_url, sqlite_driver=settings.sqlite_driver, data_key=settings.data_key
    )
    try:
        yield engine
    finally:
        await engine.dispose()


async def prepare_demo_database(url: str) -> None:
    """Migrate the database at ``url`` and seed the demo clinic (tests, benchmarks)."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        await seed_demo(lambda: SqlUnitOfWork(engine))
    finally:
        await engine.dispose()
