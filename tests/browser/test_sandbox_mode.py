"""Sandbox mode keeps to a database of its own and says where to go in one line."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.errors import StartupError
from bot.keys import read_keyring
from bot.sandbox.demo.database import prepare_sandbox_database
from domain.actors import Actor, Role
from domain.usecases.registration import RegisterCommand, register
from storage.engine import create_engine
from storage.migrate import upgrade
from tests.databases import sql_deps
from tests.e2e.medbot import MONDAY_8_LIMA
from tests.keys import TEST_KEYRING
from tests.unit.fakes import FakeClock


async def a_database_with_a_patient(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url, keyring=TEST_KEYRING)
    clock = FakeClock(MONDAY_8_LIMA)
    command = RegisterCommand("Real Person", "PE", "10117410", "+51987654321", "es", clock.now())
    try:
        await register(sql_deps(engine, clock), Actor(Role.GUEST, None, 42), command)
    finally:
        await engine.dispose()


async def test_a_database_with_patients_the_sandbox_did_not_create_is_refused(
    tmp_path: Path,
) -> None:
    real = f"sqlite+aiosqlite:///{tmp_path}/clinic.db"
    await a_database_with_a_patient(real)

    with pytest.raises(StartupError, match="holds patients the sandbox did not create"):
        await prepare_sandbox_database(real, f"sqlite+aiosqlite:///{tmp_path}/medbot.db")


async def test_the_production_database_is_refused_even_when_empty(tmp_path: Path) -> None:
    production = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"

    with pytest.raises(StartupError, match="SANDBOX_DATABASE_URL is DATABASE_URL"):
        await prepare_sandbox_database(f"sqlite+aiosqlite:///{tmp_path}/./medbot.db", production)

    assert not (tmp_path / "medbot.db").exists()


async def test_the_sandbox_reuses_its_own_database_with_the_patients_it_registered(
    tmp_path: Path,
) -> None:
    sandbox = f"sqlite+aiosqlite:///{tmp_path}/sandbox.db"
    production = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_sandbox_database(sandbox, production)
    engine = create_engine(sandbox, keyring=read_keyring(sandbox, None))  # the sandbox's key file
    clock = FakeClock(MONDAY_8_LIMA)
    command = RegisterCommand("Ana Quispe", "PE", "10117410", "+51987654321", "es", clock.now())
    try:
        await register(sql_deps(engine, clock), Actor(Role.GUEST, None, 7), command)
    finally:
        await engine.dispose()

    await prepare_sandbox_database(sandbox, production)  # no refusal: the marker is there


async def test_medbot_sandbox_prints_one_line_with_the_page_address_and_serves_it(
    tmp_path: Path,
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        cwd=tmp_path,
        env={**clean, "SANDBOX_PORT": "0", "PTB_TIMEDELTA": "true"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = (await process.stdout.readline()).decode().strip()
        assert line.startswith("sandbox mode: no TELEGRAM_BOT_TOKEN set; open http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        async with aiohttp.ClientSession() as http, http.get(url) as page:
            assert page.status == 200
            assert "medbot sandbox" in await page.text()
    finally:
        process.terminate()
        async with asyncio.timeout(30):
            stdout, stderr = await process.communicate()
    assert process.returncode == 0
    assert stdout == b""
    assert stderr == b""
    assert (tmp_path / "data" / "sandbox.db").exists()
    assert not (tmp_path / "data" / "medbot.db").exists()
