"""Opening the database from the CLI, with operator-friendly errors; a demo database for
tests and benchmarks."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo_clinic import seed_demo
from bot.errors import StartupError
from storage.engine import create_engine
from storage.migrate import MigrationRefused, current_revision, head_revision, upgrade
from storage.unit_of_work import SqlUnitOfWork


async def upgrade_database(url: str) -> None:
    try:
        await upgrade(url)
    except MigrationRefused as error:
        raise StartupError(f"cannot migrate DATABASE_URL: {error}") from None
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(f"cannot migrate DATABASE_URL: {type(error).__name__}") from None


async def open_database(url: str, *, sqlite_driver: str = "inline") -> AsyncEngine:
    """An engine on a reachable database whose schema is current."""
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
    return engine


async def prepare_demo_database(url: str) -> None:
    """Migrate the database at ``url`` and seed the demo clinic (tests, benchmarks)."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        await seed_demo(lambda: SqlUnitOfWork(engine))
    finally:
        await engine.dispose()
