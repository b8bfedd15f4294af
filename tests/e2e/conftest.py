"""Fixtures for end-to-end tests against the local Bot API stand-in."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from telegram import Bot

from bot.database import prepare_demo_database
from bot.logs import configure_logging
from bot.sandbox.standin import BotApiStandIn
from storage.migrate import upgrade
from tests.e2e.medbot import Clinic


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods, else RetryAfter warns (an error under pytest)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def debug_logs(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The bot's logging as ``medbot run`` configures it at DEBUG, in the format asked
    (``console`` unless the test passes another indirectly); what it wrote."""
    written = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "alembic")}
    configure_logging("DEBUG", getattr(request, "param", "console"), written)
    yield written
    root.handlers[:], root.level = handlers, level
    for name, was in libraries.items():
        logging.getLogger(name).setLevel(was)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    """A started stand-in on a free port, with Telegram's flood limits on."""
    async with BotApiStandIn(webhook_retry_delay=0.05) as stand_in:
        yield stand_in


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[Bot]:
    """A python-telegram-bot ``Bot`` talking to the stand-in (initialised: getMe done)."""
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


@pytest.fixture
async def clinic(api: BotApiStandIn, tmp_path) -> AsyncIterator[Clinic]:
    """The demo clinic's bot, running in polling mode against the stand-in."""
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    async with running_clinic(api, url) as running:
        yield running


@pytest.fixture
async def empty_clinic(api: BotApiStandIn, tmp_path) -> AsyncIterator[Clinic]:
    """The bot on a migrated database with no clinic in it at all."""
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await upgrade(url)
    async with running_clinic(api, url) as running:
        yield running


@asynccontextmanager
async def running_clinic(
    api: BotApiStandIn, url: str, **overrides: object
) -> AsyncIterator[Clinic]:
    running = Clinic(api, url, **overrides)
    await running.runtime.start()
    try:
        yield running
    finally:
        await running.runtime.stop()
        await running.engine.dispose()
    api.assert_no_violations()
