"""Fresh databases for tests: a SQLite file, or a PostgreSQL database made and dropped.

PostgreSQL is found at ``MEDBOT_TEST_POSTGRES_URL`` (default: the local
server, user postgres). Outside CI a missing server skips those tests with a
message; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ports import Clock, Deps
from storage.directory_cache import DirectoryCache
from storage.unit_of_work import SqlUnitOfWork

POSTGRES_URL = os.environ.get(
    "MEDBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    name = f"medbot_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(_dsn(POSTGRES_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable at {make_url(POSTGRES_URL)!r}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database(kind: str, directory: str) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory}/medbot.db"
        return
    async with fresh_postgres_database() as url:
        yield url


def sql_deps(
    engine: AsyncEngine,
    clock: Clock,
    reminder_offsets: tuple[timedelta, ...] | None = None,
    *,
    directory: DirectoryCache | None = None,
) -> Deps:
    """``Deps`` over the real units of work, as the composition root builds them."""

    def uow(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, read_only=read_only, directory=directory)

    return Deps(uow, clock, reminder_offsets)
