"""Processing survives hard kills and shares its queue between processes: every booking
is processed, and no step of it twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum.cl.rut import calc_check_digit

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn
from domain.actors import Actor, Role
from domain.clock import SystemClock
from domain.entities import Appointment, Patient
from domain.queries import SlotQuery, open_slots
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from storage.engine import create_engine
from storage.tables import appointment_status_changes, appointments, audit_log, processing_jobs
from tests.databases import fresh_postgres_database, sql_deps
from tests.keys import TEST_DATA_KEY, TEST_KEYRING


@pytest.fixture
async def fast_api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(flood_limits=False) as stand_in:
        yield stand_in


async def start(
    api: BotApiStandIn, url: str, cwd: Path, command: str = "run", **settings: str
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "DATABASE_URL": url,
        "DATA_KEY": TEST_DATA_KEY,
        "TELEGRAM_MAX_RATE": "0",
        "DISPATCH_INTERVAL": "0.2",
        "PROCESSING_INTERVAL": "0.05",
        "PROCESSING_LEASE": "2",
        "HTTP_PORT": "0",
        "LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "true",
        **settings,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def until(condition, seconds: float, every: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(every)


async def bookings(url: str, country: str, count: int) -> list[Appointment]:
    """``count`` bookings in ``country``: each doctor's free times in turn, each doctor's
    taken by a patient of their own (so no patient has two visits at once)."""
    engine = create_engine(url, keyring=TEST_KEYRING)
    deps = sql_deps(engine, SystemClock())
    try:
        async with deps.uow(read_only=True) as uow:
            doctors = [d for d in await uow.doctors.list_all() if d.country == country]
        today = deps.clock.now().date()
        booked: list[Appointment] = []
        for number, doctor in enumerate(doctors):
            async with deps.uow() as uow:
                rut = str(20_000_000 + number)
                patient = await uow.patients.add(
                    Patient(None, 500 + number, "Carga Prueba", rut + calc_check_digit(rut),
                            "+56987654321", "es", country)
                )  # fmt: skip
                await uow.commit()
            specialty = doctor.specialty_ids[0]
            query = SlotQuery(country, specialty, doctor.id, today, today + timedelta(days=40))
            for slot in (await open_slots(deps, query))[: count - len(booked)]:
                command = BookCommand(slot.doctor_id, specialty, slot.slot.start)
                booked.append(await book(deps, Actor(Role.PATIENT, patient.id), command))
        assert len(booked) == count, "not enough free times"
        return booked
    finally:
        await engine.dispose()


async def counts(url: str) -> dict[str, int]:
    engine = create_engine(url, keyring=TEST_KEYRING)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(appointments.c.status, func.count()).group_by(appointments.c.status)
            )
            return {str(status): int(n) for status, n in rows}  # fmt: skip
    finally:
        await engine.dispose()


async def each_processed_once(url: str, target: Status, expected: int) -> None:
    """Every appointment reached ``target`` once, passed the checks once and has one job."""
    engine = create_engine(url, keyring=TEST_KEYRING)
    changes = appointment_status_changes
    try:
        async with engine.connect() as conn:
            reached = await conn.execute(
                select(changes.c.appointment_id, func.count())
                .where(changes.c.to_status == target.value, changes.c.from_status != target.value)
                .group_by(changes.c.appointment_id)
            )
            checked = await conn.execute(
                select(audit_log.c.record_id, func.count())
                .where(audit_log.c.action == "appointment.checked")
                .group_by(audit_log.c.record_id)
            )
            jobs = (await conn.execute(select(func.count()).select_from(processing_jobs))).scalar()
            reached_counts = sorted(int(n) for _, n in reached)
            checked_counts = sorted(int(n) for _, n in checked)
    finally:
        await engine.dispose()
    assert reached_counts == [1] * expected
    assert checked_counts == [1] * expected
    assert jobs == expected


async def test_a_booking_whose_bot_was_killed_before_processing_is_processed_once_after_restart(
    fast_api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    idle = await start(fast_api, url, tmp_path, PROCESSING_INTERVAL="3600")
    await until(lambda: _polling(fast_api), 20)  # started, its first round of work done

    await bookings(url, "CL", 1)  # one booking, made while no bot runs
    idle.send_signal(signal.SIGKILL)
    await idle.wait()
    assert await counts(url) == {"registered": 1}
    bot = await start(fast_api, url, tmp_path)
    try:
        await until(lambda: _settled(url, 1), 20)
        await asyncio.sleep(0.5)  # ten more rounds: nothing is done again
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()

    assert await counts(url) == {"assigned": 1}
    await each_processed_once(url, Status.ASSIGNED, 1)


async def test_sigkill_in_the_middle_of_processing_a_thousand_bookings_repeats_no_step(
    fast_api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    await bookings(url, "CL", 1000)

    bot = await start(fast_api, url, tmp_path)
    await until(lambda: _at_least(url, 1), 30, every=0.005)
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    done_before = (await counts(url)).get("assigned", 0)
    bot = await start(fast_api, url, tmp_path)
    try:
        await until(lambda: _settled(url, 1000), 90)
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()

    assert done_before < 1000  # killed in the middle
    assert await counts(url) == {"assigned": 1000}
    await each_processed_once(url, Status.ASSIGNED, 1000)


@pytest.mark.postgres
async def test_two_workers_on_postgresql_process_a_thousand_bookings_each_exactly_once(
    fast_api: BotApiStandIn, tmp_path: Path
) -> None:
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        await bookings(url, "CL", 1000)

        workers = [await start(fast_api, url, tmp_path, "worker") for _ in range(2)]
        try:
            await until(lambda: _settled(url, 1000), 120)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                await worker.wait()

        assert await counts(url) == {"assigned": 1000}
        await each_processed_once(url, Status.ASSIGNED, 1000)


async def _polling(api: BotApiStandIn) -> bool:
    return bool(api.journal.calls("getUpdates"))


async def _at_least(url: str, assigned: int) -> bool:
    return (await counts(url)).get("assigned", 0) >= assigned


async def _settled(url: str, assigned: int) -> bool:
    return (await counts(url)).get("assigned", 0) == assigned
