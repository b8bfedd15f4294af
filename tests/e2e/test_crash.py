"""A hard kill in the middle of dispatching loses nothing and repeats only what was in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn
from domain.notifications import Kind, Notification
from storage.engine import create_engine
from storage.outbox import OutboxStore
from storage.tables import notifications
from tests.keys import TEST_DATA_KEY, TEST_KEYRING

ROWS = 1000


@pytest.fixture
async def fast_api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(flood_limits=False) as stand_in:
        yield stand_in


async def start_bot(api: BotApiStandIn, url: str, cwd: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "DATABASE_URL": url,
        "DATA_KEY": TEST_DATA_KEY,
        "TELEGRAM_MAX_RATE": "0",
        "DISPATCH_INTERVAL": "0.2",
        "DISPATCH_LEASE": "2",
        "HTTP_PORT": "0",
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "true",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def delivered(api: BotApiStandIn) -> Counter[int]:
    return Counter(int(r.params["chat_id"]) for r in api.journal.calls("sendMessage") if r.ok)


async def until(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_sigkill_while_dispatching_a_thousand_notifications_loses_none(
    fast_api: BotApiStandIn, tmp_path: Path
) -> None:
    api = fast_api
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    people = [api.person(f"P{i}", language_code="es") for i in range(ROWS)]
    for person in people:
        person.chat.started = True  # each wrote to the bot some time ago
    engine = create_engine(url, keyring=TEST_KEYRING)
    now = datetime.now(UTC) - timedelta(seconds=1)
    await OutboxStore(engine).queue(
        [
            Notification(
                chat_id=person.user_id,
                kind=Kind.STATUS,
                template="notify.status.cancelled",
                due_at=now,
                dedupe_key=f"crash:{i}",
                params={"reference": f"R{i:04d}", "start": 1778000000, "country": "PE"},
            )
            for i, person in enumerate(people)
        ]
    )
    api.faults.delay_next(0.01, times=ROWS * 2, method="sendMessage")

    first = await start_bot(api, url, tmp_path)
    await until(lambda: _true(sum(delivered(api).values()) >= ROWS // 4), seconds=60)
    first.kill()
    await first.wait()
    async with engine.connect() as conn:
        in_flight = (
            await conn.execute(select(func.count()).where(notifications.c.state == "sending"))
        ).scalar_one()
    assert 0 < sum(delivered(api).values()) < ROWS, "the kill should land partway"

    second = await start_bot(api, url, tmp_path)
    try:
        await until(lambda: _all_sent(engine), seconds=90)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
        await engine.dispose()

    counts = delivered(api)
    assert set(counts) == {p.user_id for p in people}  # every one delivered
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= in_flight
    print(f"in flight at the kill: {in_flight}, duplicates: {duplicates}")  # noqa: T201
    api.assert_no_violations()


async def _true(value: bool) -> bool:
    return value


async def _all_sent(engine) -> bool:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        sent = (
            await conn.execute(select(func.count()).where(notifications.c.state == "sent"))
        ).scalar_one()
    return sent == ROWS
