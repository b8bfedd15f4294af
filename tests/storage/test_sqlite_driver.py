"""SQLite statements run on the event loop's thread, and wait out other writers without
stopping it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entities import Specialty
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.tables import specialties
from storage.unit_of_work import SqlUnitOfWork


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "medbot.db"
    await upgrade(f"sqlite+aiosqlite:///{path}")
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


async def add_specialty(engine: AsyncEngine, code: str) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.specialties.add(Specialty(None, code, code, code))
        await uow.commit()


async def count_specialties(engine: AsyncEngine) -> int:
    async with SqlUnitOfWork(engine, read_only=True) as uow:
        query = select(func.count()).select_from(specialties)
        return int((await uow.connection.execute(query)).scalar_one())


async def test_a_write_waits_for_another_process_while_the_bot_keeps_answering(
    database: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        with another_process_writing(database):
            write = asyncio.create_task(add_specialty(engine, "cardiology"))
            beats = 0
            for _ in range(10):  # the loop is free: other people's reads go on
                await asyncio.sleep(0.01)
                assert await count_specialties(engine) == 0
                beats += 1
            assert not write.done()
        await asyncio.wait_for(write, timeout=5)
        assert beats == 10
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
        await add_specialty(engine, "cardiology")  # the connection is usable again
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
