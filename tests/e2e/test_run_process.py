"""``medbot run`` and ``medbot worker`` as real processes: polling the stand-in, menus in
two languages, a shared outbox, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn, Person
from domain.notifications import Kind, Notification
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.outbox import OutboxStore
from tests.keys import TEST_DATA_KEY, TEST_KEYRING


async def medbot_run(api: BotApiStandIn, url: str, cwd: Path) -> asyncio.subprocess.Process:
    """``medbot run`` as a process against the stand-in, logging JSON to its stderr."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "DATABASE_URL": url,
        "DATA_KEY": TEST_DATA_KEY,
        "HTTP_PORT": "0",
        "LOG_FORMAT": "json",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=cwd, stderr=asyncio.subprocess.PIPE
    )


async def test_medbot_run_polls_answers_people_and_stops_cleanly_on_sigterm(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    process = await medbot_run(api, url, tmp_path)
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


async def test_medbot_worker_shares_the_outbox_with_medbot_run_and_never_polls(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    people = [api.person(f"P{i}", language_code="es") for i in range(60)]
    for person in people:
        person.chat.started = True  # each wrote to the bot some time ago
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "DATABASE_URL": url,
        "DATA_KEY": TEST_DATA_KEY,
        "DISPATCH_INTERVAL": "0.2",
        "HTTP_PORT": "0",
        "LOG_FORMAT": "json",
    }

    def start(command: str) -> Awaitable[asyncio.subprocess.Process]:
        return asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", command, env=env, cwd=tmp_path,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    def notices(chats: list[Person], first: int) -> list[Notification]:
        return [
            Notification(
                chat_id=person.user_id,
                kind=Kind.STATUS,
                template="notify.status.cancelled",
                due_at=datetime.now(UTC) - timedelta(seconds=1),
                dedupe_key=f"shared:{first + n}",
                params={"reference": f"R{n:04d}", "start": 1778000000, "country": "PE"},
                urgent=True,
            )
            for n, person in enumerate(chats)
        ]

    engine = create_engine(url, keyring=TEST_KEYRING)
    store = OutboxStore(engine)
    workers = [await start("worker")]
    try:
        await store.queue(notices(people[:30], 0))
        for person in people[:30]:  # delivered by the worker alone
            await person.wait_for("fue cancelada", timeout=30)
        workers.append(await start("run"))
        await store.queue(notices(people[30:], 30))
        for person in people[30:]:  # now shared by both
            await person.wait_for("fue cancelada", timeout=30)
        ana = api.person("Ana", language_code="es")
        await ana.send("/start")
        await ana.wait_for("¿Aceptas?", timeout=20)  # the polling worker answers
    finally:
        await engine.dispose()
        stopping = time.time()
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        logs = [(await asyncio.wait_for(w.communicate(), timeout=20))[1] for w in workers]

    assert [w.returncode for w in workers] == [0, 0]
    assert b"worker_started" in logs[0]
    sent = Counter(int(r.params["chat_id"]) for r in api.journal.calls("sendMessage") if r.ok)
    assert all(sent[person.user_id] == 1 for person in people), "each notification once"
    polls = [r for r in api.journal.calls("getUpdates") if r.at < stopping]
    assert polls, "the run worker polls"
    assert all(r.status == 200 for r in polls), "no 409 Conflict: one caller of getUpdates"
    assert len(api.journal.calls("setMyCommands")) == 3  # menus published once, by `run`
    api.assert_no_violations()


async def test_medbot_run_on_an_empty_clinic_says_how_to_set_it_up_and_keeps_booking_closed(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await upgrade(url)
    process = await medbot_run(api, url, tmp_path)
    try:
        ana = api.person("Ana", language_code="es")
        john = api.person("John", language_code="en")
        await ana.send("/book")
        await john.send("/book")
        await ana.wait_for("Todavía no se pueden reservar citas", timeout=20)
        await john.wait_for("Booking is not open yet", timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)

    assert process.returncode == 0
    hints = [line for line in stderr.splitlines() if b"clinic_not_set_up" in line]
    assert len(hints) == 1
    assert b"medbot clinic import FILE" in hints[0]
    api.assert_no_violations()
