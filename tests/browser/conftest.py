"""Fixtures for browser tests: the sandbox in-process, and headless Debian Chromium.

Playwright drives the system's ``chromium`` (``/usr/bin/chromium``, or
``$MEDBOT_CHROMIUM``); Playwright's own browser download is never used.  Without
Chromium these tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from bot.sandbox.demo.launch import Sandbox
from bot.sandbox.demo.people import Member
from bot.sandbox.standin.driver import BotApiStandIn
from bot.settings import Settings
from domain.ports import Clock
from tests.e2e.medbot import MONDAY_8_LIMA
from tests.unit.fakes import FakeClock

CHROMIUM = Path(os.environ.get("MEDBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods, else RetryAfter warns (an error under pytest)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: `apt-get install chromium` (make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


def sandbox_settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/medbot.db",
        sandbox_database_url=f"sqlite+aiosqlite:///{tmp_path}/sandbox.db",
        sandbox_port=0,
        dispatch_interval=0.05,
        **changes,
    )


@asynccontextmanager
async def running_sandbox(settings: Settings, base_clock: Clock) -> AsyncIterator[Sandbox]:
    """Sandbox mode started on ``base_clock``; on the way out, no Bot API spec violations."""
    running = Sandbox(settings, base_clock)
    await running.start()
    api = running.api
    assert api is not None
    try:
        yield running
    finally:
        await running.stop()
    api.assert_no_violations()


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """Sandbox mode on a free port and a fresh database, on Monday 4 May 2026 in Lima."""
    async with running_sandbox(sandbox_settings(tmp_path), FakeClock(MONDAY_8_LIMA)) as running:
        yield running


def ana_in_chat(sandbox: Sandbox) -> tuple[BotApiStandIn, Member]:
    """The stand-in and Ana, the demo patient, as if she had written to the bot before
    (so the bot may send her messages first)."""
    assert sandbox.api is not None
    assert sandbox.people is not None
    ana = next(m for m in sandbox.people.members.values() if m.person.first_name == "Ana")
    ana.person.chat.started = True
    return sandbox.api, ana


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A folder for this test's screenshots under tests/artifacts/ (git-ignored)."""
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
