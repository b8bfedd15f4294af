"""SQLite statements run on the event loop's thread, and wait out other writers without
stopping it."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entities import Specialty
from storage import sqlite_inline
from storage.engine import create_engine
from storage.tables import specialties
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import Templates


@pytest.fixture
async def database(tmp_path: Path, templates: Templates) -> Path:
    path = tmp_path / "medbot.db"
    shutil.copyfile(await templates.sqlite(), path)
    return path


@contextmanager
def another_process_writing(path: Path) -> Iterator[None]:
    """Holds SQLite's write lock from a connection of its own, as a second process would."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def file_size(path: Path) -> int:
    return path.stat().st_size


async def add_specialty(engine: AsyncEngine, code: str) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.specialties.add(Specialty(None, code, code, code))
        await uow.commit()


async def count_specialties(engine: AsyncEngine) -> int:
    async with SqlUnitOfWork(engine, read_only=True) as uow:
        query = select(func.count()).select_from(specialties)
        return int((await uow.connection.execute(query)).scalar_one())


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "thread"])
async def test_a_write_waits_for_another_process_while_the_bot_keeps_answering(
    database: Path, inline: bool
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}", sqlite_inline=inline)
    try:
        with another_process_writing(database):
            write = asyncio.create_task(add_specialty(engine, "cardiology"))
            started = time.monotonic()
            for _ in range(10):  # the loop is free: other people's reads go on
                await asyncio.sleep(0.01)
                assert await count_specialties(engine) == 0
            answering = time.monotonic() - started
            assert not write.done()
        await asyncio.wait_for(write, timeout=5)
        assert answering < 2  # ten short reads, not ten waits for the lock
        assert await count_specialties(engine) == 1
    finally:
        await engine.dispose()


async def test_a_write_gives_up_with_database_locked_after_the_busy_timeout(
    database: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}", connect_args={"busy_timeout": 0.2})
    try:
        with another_process_writing(database), pytest.raises(OperationalError, match="locked"):
            await asyncio.wait_for(add_specialty(engine, "cardiology"), timeout=5)
        # The write turn was given back, and the connection is usable again.
        await asyncio.wait_for(add_specialty(engine, "cardiology"), timeout=5)
        assert await count_specialties(engine) == 1
    finally:
        await engine.dispose()


async def test_statements_finish_without_handing_the_event_loop_to_anyone_else(
    database: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    running = asyncio.create_task(ticker())
    try:
        await asyncio.sleep(0)
        before = ticks
        for n in range(20):
            await add_specialty(engine, f"s{n}")
        assert ticks - before <= 1  # twenty transactions, no turn for the ticker between
        assert await count_specialties(engine) == 20
    finally:
        running.cancel()
        await engine.dispose()


async def test_the_wal_is_copied_into_the_database_file_by_a_worker_thread(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "CHECKPOINT_EVERY", 10)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            autocheckpoint = raw.driver_connection.raw.execute("PRAGMA wal_autocheckpoint")
            assert autocheckpoint.fetchone() == (0,)  # never inside a COMMIT on the loop
        before = file_size(database)
        for n in range(30):
            await add_specialty(engine, f"s{n:02d}-" + "x" * 2000)  # a page each
        for _ in range(100):
            if file_size(database) > before:
                break
            await asyncio.sleep(0.02)
        assert file_size(database) > before
    finally:
        await engine.dispose()
