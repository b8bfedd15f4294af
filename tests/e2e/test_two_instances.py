"""Two ``medbot run`` and a ``medbot worker`` on one PostgreSQL: one polls, the other
stands by and takes polling over when the first is killed; people typing through it all
register and book once each, and every booking is processed once."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn, Person
from domain.status import Status
from storage.engine import create_engine
from storage.tables import appointments, patients
from tests.databases import fresh_postgres_database
from tests.e2e.medbot import national_id_for
from tests.e2e.test_processing_crash import each_processed_once, until

PATIENTS = 30
#: Without an answer this long, a person says it again (as people do).
PATIENCE = 6.0
DAY = re.compile(r"^\w{3} \d{1,2}$")
TIME = re.compile(r"^\d{2}:\d{2}$")


@pytest.fixture
async def fast_api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(flood_limits=False) as stand_in:
        yield stand_in


async def medbot(
    api: BotApiStandIn, url: str, cwd: Path, command: str, log: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "DATABASE_URL": url,
        "TELEGRAM_MAX_RATE": "0",
        "DISPATCH_INTERVAL": "0.2",
        "PROCESSING_INTERVAL": "0.1",
        "PROCESSING_LEASE": "3",
        "POLLING_TAKEOVER_INTERVAL": "0.5",
        "HTTP_PORT": "0",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "PTB_TIMEDELTA": "true",
    }
    with log.open("wb") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", command, env=env, cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip


class Patient:
    """Someone who registers in Chile and books, answering whatever the bot last asked,
    and who says it again when the bot is silent for a while."""

    def __init__(self, person: Person, number: int) -> None:
        self.person = person
        self.number = number
        self.repeats = 0
        self.registered = False
        self.done = False
        self.silences: list[str] = []
        self._random = random.Random(number)

    async def register_and_book(self) -> None:
        person = self.person
        await person.send("/start")
        while True:
            try:
                message = await person.wait_for(".", timeout=PATIENCE)
            except AssertionError:  # silence: an update lost with the killed instance
                self.repeats += 1
                last = self.person.messages[-1].text[:40] if self.person.messages else ""
                self.silences.append(last)
                await person.send("/book" if self.registered else "/start")
                continue
            if await self._answer(message.text):
                self.done = True
                return

    async def _answer(self, text: str) -> bool:
        person = self.person
        if "Cita registrada" in text:
            return True
        if "¿Aceptas?" in text:
            await self._tap("Acepto")
        elif "nombre completo" in text:
            await person.send("Paciente " + "".join("abcdefghij"[int(d)] for d in str(self.number)))
        elif "¿En qué país" in text:
            await self._tap("Chile")
        elif "comparte tu teléfono" in text:
            await person.share_contact("+56987654321")
        elif "RUT" in text and "registrado" not in text:
            await person.send(national_id_for(person.user_id, "CL"))
        elif "Ya estás registrado" in text or "Usa /book" in text:
            self.registered = True
            await person.send("/book")
        elif "Elige una especialidad" in text:
            await self._tap("Cardiología")
        elif "Elige un médico" in text:
            await self._tap("El primero disponible")
        elif "Elige un día" in text:
            days = [b for b in person.buttons() if DAY.match(b)]
            await self._tap(days[0] if days else "Semana siguiente »")  # this week is full
        elif "Elige una hora" in text or "alguien acaba de reservar" in text:
            times = [b for b in person.buttons() if TIME.match(b)]
            await self._tap(self._random.choice(times) if times else "")
        elif "¿Confirmas?" in text:
            await self._tap("Confirmar")
        # anything else (a saved RUT, a polite refusal) needs no answer: wait on
        return False

    async def _tap(self, label: str) -> None:
        """Tap ``label`` if the newest keyboard has it: a screen seen again once its
        buttons are gone (edited after the tap) needs nothing more."""
        if label in self.person.buttons():
            await self.person.tap(label)


@pytest.mark.postgres
async def test_killing_the_polling_instance_mid_load_hands_polling_over_and_loses_nothing(
    fast_api: BotApiStandIn, tmp_path: Path
) -> None:
    api = fast_api
    delivered: Counter[int] = Counter()
    poll = api.state.updates.poll

    async def counting_poll(**kwargs: Any) -> list[dict[str, Any]]:
        updates = await poll(**kwargs)
        delivered.update(u["update_id"] for u in updates)
        return updates

    api.state.updates.poll = counting_poll  # type: ignore[method-assign]

    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        first = await medbot(api, url, tmp_path, "run", tmp_path / "first.log")
        processes = [first]
        try:
            await until(lambda: _polled(api), 30)  # the first polls: it holds the lock
            second = await medbot(api, url, tmp_path, "run", tmp_path / "second.log")
            worker = await medbot(api, url, tmp_path, "worker", tmp_path / "worker.log")
            processes += [second, worker]
            await until(lambda: _logged(tmp_path / "second.log", "polling_standing_by"), 30)

            people = [Patient(api.person(f"P{n}"), n) for n in range(PATIENTS)]
            started = time.monotonic()
            load = asyncio.gather(*(p.register_and_book() for p in people))
            await until(lambda: _registered(url, PATIENTS // 3), 60, every=0.2)  # mid-load
            first.send_signal(signal.SIGKILL)
            killed_at = time.monotonic() - started
            await first.wait()
            try:
                await asyncio.wait_for(load, 60)
            except TimeoutError:
                stuck = {p.number: p.silences[-3:] for p in people if not p.done}
                raise AssertionError(f"not booked; last screens before silences: {stuck}") from None
            took = time.monotonic() - started
            await until(lambda: _settled(url), 30)
            stopping_at = time.time()  # the journal's clock
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await process.wait()

        repeats = sum(p.repeats for p in people)
        silences = Counter(screen for p in people for screen in p.silences)
        redelivered = sum(1 for n in delivered.values() if n > 1)
        # On stop, PTB cancels its long poll and confirms the last offset with one more
        # getUpdates, which ends the cancelled poll with a 409 no one reads: not a conflict
        # between instances, so only the polls answered before the stop count.
        polls = api.journal.calls("getUpdates")
        conflicts = [c for c in polls if c.status == 409 and c.at < stopping_at]
        print(  # noqa: T201 -- the figures docs/operations.md quotes (pytest -s)
            f"\n{PATIENTS} patients: killed at {killed_at:.1f} s, all booked at {took:.1f} s; "
            f"{len(delivered)} updates, {redelivered} delivered twice, {repeats} repeated "
            f"by people, {len(conflicts)} getUpdates conflicts; silent after: {dict(silences)}"
        )
        assert _says(tmp_path / "second.log", '"took_over": true')
        assert first.returncode == -signal.SIGKILL
        assert second.returncode == 0
        assert len(conflicts) <= 1  # at most the dead instance's last long poll
        for patient in people:  # each answered once: one registration, one booking
            texts = [m.shown_text for m in patient.person.messages]
            assert sum("Cita registrada" in t for t in texts) == 1
            assert sum("Ya estás registrado" in t for t in texts) <= 1
        assert await _rows(url) == (PATIENTS, PATIENTS)
        await each_processed_once(url, Status.ASSIGNED, PATIENTS)
        api.assert_no_violations()


async def _polled(api: BotApiStandIn) -> bool:
    return bool(api.journal.calls("getUpdates"))


def _says(log: Path, words: str) -> bool:
    return words in log.read_text(errors="replace")


async def _logged(log: Path, words: str) -> bool:
    return _says(log, words)


async def _registered(url: str, at_least: int) -> bool:
    return (await _rows(url))[0] >= at_least


async def _rows(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            registered = (await conn.execute(select(func.count()).select_from(patients))).scalar()
            booked = (await conn.execute(select(func.count()).select_from(appointments))).scalar()
            return int(registered or 0), int(booked or 0)
    finally:
        await engine.dispose()


async def _settled(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).where(appointments.c.status == Status.ASSIGNED.value)
            return (await conn.execute(query)).scalar() == PATIENTS
    finally:
        await engine.dispose()
