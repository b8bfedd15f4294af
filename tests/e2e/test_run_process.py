"""``medbot run`` as a real process: polling the stand-in, menus in two languages, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.sandbox import BotApiStandIn
from tests.e2e.medbot import prepare_database


async def test_medbot_run_polls_answers_people_and_stops_cleanly_on_sigterm(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_database(url)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "DATABASE_URL": url,
        "HTTP_PORT": "0",
        "LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        ana = api.person("Ana", language_code="es")
        await ana.send("/start")
        await ana.wait_for("¿Aceptas?", timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)

    assert process.returncode == 0
    assert b"bot_stopped" in stderr
    assert b"Ana" not in stderr  # no names in the logs
    menus = {language: commands for (_, language), commands in api.state.commands.items()}
    assert menus["es"][1] == {"command": "book", "description": "Reservar una cita"}
    assert menus["en"][1] == {"command": "book", "description": "Book an appointment"}
    assert menus[""] == menus["es"]  # Spanish for everyone else
    api.assert_no_violations()
