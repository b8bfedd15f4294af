"""The real bot, started in polling mode against the stand-in, on a fresh database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from stdnum.cl import rut

from bot.app import BotRuntime
from bot.sandbox.standin import BotApiStandIn
from bot.settings import Settings
from domain.actors import Actor, Role
from domain.entities import Appointment, Patient
from domain.notifications import Kind
from domain.processing import JobState
from domain.queries import identify
from domain.staff import StaffRole
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.invitations import InviteCommand, invite
from domain.usecases.offers import AnswerCommand, answer
from domain.usecases.registration import RegisterCommand, register
from storage.appointments import SqlAppointments
from storage.engine import create_engine
from storage.tables import appointments, notifications, patients, processing_jobs
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.keys import TEST_KEYRING, TEST_SECRET
from tests.unit.fakes import FakeClock

ADMIN_ID = 990_001
# Monday 4 May 2026, 08:00 in Lima, 09:00 in Santiago.
MONDAY_8_LIMA = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


def settings_for(api: BotApiStandIn, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": api.token,
        "telegram_api_base_url": api.base_url,
        "telegram_file_base_url": api.base_file_url,
        "database_url": database_url,
        "data_key": TEST_SECRET,
        "http_port": 0,
        "dispatch_interval": 0.05,
        "admin_telegram_ids": (ADMIN_ID,),
    }
    return Settings(_env_file=None, **values | overrides)  # type: ignore[call-arg, arg-type]


def national_id_for(telegram_user_id: int, country: str) -> str:
    """A valid national ID of ``country``, different for each Telegram account."""
    if country == "PE":
        return f"{10_000_000 + telegram_user_id % 89_999_999:08d}"
    if country == "CL":
        number = str(10_000_000 + telegram_user_id % 89_999_999)
        return number + rut.calc_check_digit(number)
    return "GAMA900115MDFRRN00"  # Mexico: a CURP (one patient per test)


class Clinic:
    """The running bot plus direct access to its database, for arranging and checking."""

    def __init__(self, api: BotApiStandIn, database_url: str, **overrides: object) -> None:
        self.api = api
        self.database_url = database_url
        self.overrides = overrides  # settings of the test's own, kept over restarts
        self.clock = FakeClock(MONDAY_8_LIMA)
        self.runtime = BotRuntime(settings_for(api, database_url, **overrides), self.clock)
        self.engine = create_engine(database_url, keyring=TEST_KEYRING)
        self.deps = sql_deps(self.engine, self.clock)

    async def restart(self) -> None:
        await self.runtime.stop()
        settings = settings_for(self.api, self.database_url, **self.overrides)
        self.runtime = BotRuntime(settings, self.clock)
        await self.runtime.start()

    async def register(
        self, telegram_user_id: int, country: str = "PE", language: str = "es"
    ) -> int:
        national_id = national_id_for(telegram_user_id, country)
        phone = {"PE": "+51987654321", "CL": "+56987654321", "MX": "+525512345678"}[country]
        command = RegisterCommand(
            "Paciente Prueba", country, national_id, phone, language, self.clock.now()
        )
        guest = Actor(Role.GUEST, None, telegram_user_id)
        patient = await register(self.deps, guest, command)
        return patient.id or 0

    async def book(self, patient_id: int, start: datetime, doctor_id: int = 1) -> Appointment:
        """Book directly through the use case, as a patient would with /book."""
        async with self.deps.uow(read_only=True) as uow:
            doctor = await uow.doctors.get(doctor_id)
        assert doctor is not None
        command = BookCommand(doctor_id, doctor.specialty_ids[0], start)
        return await book(self.deps, Actor(Role.PATIENT, patient_id), command)

    async def confirm(self, appointment: Appointment) -> None:
        """Accept the booking as the clinic's admin, once processing has asked for it."""
        for _ in range(100):
            [found] = [a for a in await self.appointments() if a.id == appointment.id]
            if found.status is Status.PENDING:
                break
            await asyncio.sleep(0.05)
        admin = Actor(Role.ADMIN, ADMIN_ID, ADMIN_ID)
        await answer(self.deps, admin, AnswerCommand(appointment.id, accept=True))

    async def settled(self, appointment: Appointment) -> Appointment:
        """The appointment once processing has done all it can for now: its job finished,
        or waiting for a time still to come (an answer's deadline)."""
        query = select(processing_jobs.c.state, processing_jobs.c.next_attempt_at).where(
            processing_jobs.c.appointment_id == appointment.id
        )
        for _ in range(100):
            async with self.engine.connect() as conn:
                state, due = (await conn.execute(query)).one()
            if state == JobState.DONE or (state == JobState.QUEUED and due > self.clock.now()):
                break
            await asyncio.sleep(0.05)
        [found] = [a for a in await self.appointments() if a.id == appointment.id]
        return found

    async def cancel_as_clinic(self, appointment: Appointment) -> None:
        await cancel(self.deps, Actor(Role.ADMIN, ADMIN_ID), CancelCommand(appointment.id))

    async def invite(self, role: StaffRole, doctor_id: int | None = None) -> str:
        """An admin's invitation, as its deep link's ``start`` parameter (the raw token)."""
        admin = Actor(Role.ADMIN, ADMIN_ID, ADMIN_ID)
        return (await invite(self.deps, admin, InviteCommand(role, doctor_id))).token

    async def role_of(self, telegram_user_id: int) -> Actor:
        return await identify(self.deps, telegram_user_id)

    async def notification_states(self, kind: Kind | None = None) -> list[str]:
        query = select(notifications.c.state)
        if kind is not None:
            query = query.where(notifications.c.kind == kind.value)
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def unreachable(self, telegram_user_id: int) -> bool:
        async with self.engine.connect() as conn:
            query = select(patients.c.unreachable_at).where(
                patients.c.telegram_user_id == telegram_user_id
            )
            return (await conn.execute(query)).scalar() is not None

    async def patients(self) -> list[Patient]:
        async with SqlUnitOfWork(self.engine, read_only=True) as uow:
            ids = (await uow.connection.execute(select(patients.c.id))).scalars().all()
            return list((await uow.patients.get_many(list(ids))).values())

    async def appointments(self) -> list[Appointment]:
        async with SqlUnitOfWork(self.engine, read_only=True) as uow:
            ids = (await uow.connection.execute(select(appointments.c.id))).scalars().all()
            repo = SqlAppointments(uow.connection)
            found = [await repo.get(i) for i in ids]
        return [a for a in found if a is not None]
