"""What a person tells the bot is not readable from the database's files or a dump."""

from __future__ import annotations

import asyncio
import shutil
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn, Person
from domain.actors import Actor, Role
from domain.queries import SlotQuery, open_slots
from domain.usecases.cancellation import CancelCommand, cancel
from tests.databases import fresh_postgres_database
from tests.e2e.conftest import running_clinic
from tests.e2e.medbot import ADMIN_ID, Clinic

NAME = "Zoraida Quetzalcóatl Villanueva"
RUT_COMPACT = "234567896"
RUT_FORMATTED = "23.456.789-6"
PHONE_DIGITS = "975318642"
#: A second person who stops half way: the draft holds a name and an ID.
DRAFT_NAME = "Wenceslao Ixchel Bustamante"
PG_DUMP = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
DRAFT_RUT = "198765430"


#: A cancellation's reason, in the staff member's own words.
REASON = "Xilófono averiado en consultorio"


def needles() -> dict[str, bytes]:
    found = {}
    values = (NAME, "Quetzalc", RUT_COMPACT, RUT_FORMATTED, "23456789", PHONE_DIGITS, REASON)
    for value in values:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            found[f"{value!r} in {encoding}"] = value.encode(encoding)
    for value in (DRAFT_NAME, "Ixchel", DRAFT_RUT, "19.876.543-0", "19876543"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            found[f"{value!r} in {encoding}"] = value.encode(encoding)
    return found


def leaks(data: bytes) -> list[str]:
    return [label for label, needle in needles().items() if needle in data]


async def register_and_abandon(api: BotApiStandIn) -> None:
    zoraida = api.person("Zo", language_code="es")
    await zoraida.send("/start")
    await zoraida.wait_for("¿Aceptas?")
    await zoraida.tap("Acepto")
    await zoraida.wait_for("nombre completo")
    await zoraida.send(NAME)
    await zoraida.wait_for("¿En qué país")
    await zoraida.tap("Chile")
    await zoraida.wait_for("RUT")
    await zoraida.send(RUT_COMPACT)
    await zoraida.wait_for(f"RUT registrado: {RUT_FORMATTED}")
    await zoraida.share_contact(f"+56{PHONE_DIGITS}")
    await zoraida.wait_for("Ya estás registrado")

    wenceslao: Person = api.person("We", language_code="es")
    await wenceslao.send("/start")
    await wenceslao.wait_for("¿Aceptas?")
    await wenceslao.tap("Acepto")
    await wenceslao.wait_for("nombre completo")
    await wenceslao.send(DRAFT_NAME)
    await wenceslao.wait_for("¿En qué país")
    await wenceslao.tap("Chile")
    await wenceslao.wait_for("RUT")
    await wenceslao.send(DRAFT_RUT)
    await wenceslao.wait_for("RUT registrado")
    await asyncio.sleep(1.5)  # the conversation state is flushed every second


async def book_and_cancel(clinic: Clinic) -> None:
    """Zoraida books; the clinic is asked to confirm, naming her (the outbox holds it);
    an admin cancels with a reason of their own, which she is told."""
    [patient] = await clinic.patients()
    async with clinic.deps.uow(read_only=True) as uow:
        doctor = next(d for d in await uow.doctors.list_all() if d.country == "CL")
    today = clinic.clock.now().date()
    query = SlotQuery("CL", doctor.specialty_ids[0], doctor.id, today, today + timedelta(days=30))
    slot = (await open_slots(clinic.deps, query))[0]
    appointment = await clinic.book(patient.id or 0, slot.slot.start, doctor.id or 0)
    await clinic.settled(appointment)
    admin = Actor(Role.ADMIN, ADMIN_ID, ADMIN_ID)
    await cancel(clinic.deps, admin, CancelCommand(appointment.id, reason=REASON))
    [cancelled] = await clinic.appointments()
    assert cancelled.history[-1].reason == REASON


async def test_the_sqlite_file_and_its_wal_hold_none_of_a_patients_values(
    api: BotApiStandIn, clinic: Clinic, tmp_path: Path
) -> None:
    await register_and_abandon(api)
    await book_and_cancel(clinic)
    [patient] = await clinic.patients()  # the values are there, for whoever has the key
    assert (patient.full_name, patient.national_id) == (NAME, RUT_COMPACT)

    files = [tmp_path / "medbot.db", tmp_path / "medbot.db-wal"]
    assert files[1].stat().st_size > 0, "the WAL is not checkpointed yet"
    for path in files:
        assert leaks(path.read_bytes()) == [], path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    await clinic.runtime.stop()  # checkpointed into the main file
    assert leaks(files[0].read_bytes()) == []


@pytest.fixture
async def postgres_clinic(api: BotApiStandIn) -> AsyncIterator[Clinic]:
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        async with running_clinic(api, url) as running:
            yield running


@pytest.mark.postgres
async def test_a_postgresql_dump_holds_none_of_a_patients_values(
    api: BotApiStandIn, postgres_clinic: Clinic
) -> None:
    await register_and_abandon(api)
    await book_and_cancel(postgres_clinic)
    [patient] = await postgres_clinic.patients()
    assert patient.phone.endswith(PHONE_DIGITS)

    url = make_url(postgres_clinic.database_url)
    process = await asyncio.create_subprocess_exec(
        PG_DUMP, "-h", url.host or "", "-p", str(url.port or 5432), "-U", url.username or "",
        "--no-password", url.database or "", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    dump, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert b"CREATE TABLE public.patients" in dump
    assert leaks(dump) == []
