"""Databases for tests: a SQLite file, or a PostgreSQL database made and dropped.

Migrated databases are copies of a template migrated once per session
(:class:`Templates`): a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL. Each test still gets, and drops, a database of its own.

PostgreSQL is found at ``MEDBOT_TEST_POSTGRES_URL`` (default: the local
server, user postgres). Outside CI a missing server skips those tests with a
message; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ports import Clock, Deps
from storage.directory_cache import DirectoryCache
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork

POSTGRES_URL = os.environ.get(
    "MEDBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(_dsn(POSTGRES_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable at {make_url(POSTGRES_URL)!r}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)


@asynccontextmanager
async def fresh_postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """A new database, empty or a copy of ``template``, dropped afterwards."""
    name = f"medbot_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin()
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
        try:
            yield _postgres_url(name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database(kind: str, directory: str) -> AsyncIterator[str]:
    """An empty database: ``kind`` is ``sqlite`` or ``postgres``."""
    if kind == "sqlite":
        yield sqlite_url(Path(directory) / "medbot.db")
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


class Templates:
    """Databases migrated to the head revision once per session, on first use, and
    copied for each test. :meth:`drop` removes the PostgreSQL one at the end."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    async def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self._directory / "template.db"
            await upgrade(sqlite_url(path))
            self._sqlite = path
        return self._sqlite

    async def postgres(self) -> str:
        if self._postgres is None:
            name = f"medbot_template_{uuid.uuid4().hex[:12]}"
            admin = await _admin()
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            try:
                await upgrade(_postgres_url(name))
            except BaseException:
                await _drop(name)
                raise
            self._postgres = name
        return self._postgres

    def drop(self) -> None:
        """Drop the PostgreSQL template, if one was made (outside any event loop)."""
        if self._postgres is not None:
            asyncio.run(_drop(self._postgres))
            self._postgres = None


async def _drop(name: str) -> None:
    admin = await asyncpg.connect(_dsn(POSTGRES_URL), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def migrated_database(kind: str, directory: Path, templates: Templates) -> AsyncIterator[str]:
    """A database at the head revision, copied from the template: ``kind`` is
    ``sqlite`` or ``postgres``."""
    if kind == "sqlite":
        path = directory / "medbot.db"
        shutil.copyfile(await templates.sqlite(), path)
        yield sqlite_url(path)
        return
    async with fresh_postgres_database(await templates.postgres()) as url:
        yield url
