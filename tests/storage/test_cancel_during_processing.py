"""A cancellation that meets the booking's processing half-way, on PostgreSQL, where the
two transactions interleave (SQLite runs one write transaction at a time)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import Actor, Role
from domain.entities import Appointment
from domain.errors import InvalidTransition
from domain.ports import Deps
from domain.queries import SlotQuery, open_slots
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from storage.engine import create_engine
from storage.tables import appointments
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import Templates, migrated_database, sql_deps
from tests.keys import TEST_KEYRING
from tests.storage.conftest import make_clinic
from tests.unit.fakes import FakeClock

pytestmark = pytest.mark.postgres

TUESDAY = date(2026, 5, 5)
ADMIN = Actor(Role.ADMIN, 7)


@pytest.fixture
async def engine(tmp_path: Path, templates: Templates) -> AsyncIterator[AsyncEngine]:
    """PostgreSQL only (this module's docstring says why)."""
    async with migrated_database("postgres", tmp_path, templates) as url:
        engine = create_engine(url, keyring=TEST_KEYRING)
        yield engine
        await engine.dispose()


def processing_meanwhile(engine: AsyncEngine, clock: FakeClock, to: Status) -> Deps:
    """Deps whose first writing unit of work, right after reading an appointment, lets
    "processing" move it to ``to`` in a transaction of its own, committed."""
    first = True

    class Interleaved(SqlUnitOfWork):
        async def __aenter__(self) -> SqlUnitOfWork:
            entered = await super().__aenter__()
            read: Callable[[uuid.UUID], Awaitable[Appointment | None]] = entered.appointments.get

            async def read_then_processed(appointment_id: uuid.UUID) -> Appointment | None:
                found = await read(appointment_id)
                async with engine.begin() as other:
                    await other.execute(
                        update(appointments)
                        .where(appointments.c.id == appointment_id)
                        .values(status=to.value)
                    )
                return found

            entered.appointments.get = read_then_processed  # type: ignore[method-assign]
            return entered

    def uow(*, read_only: bool = False) -> SqlUnitOfWork:
        nonlocal first
        if read_only or not first:
            return SqlUnitOfWork(engine, read_only=read_only)
        first = False
        return Interleaved(engine)

    return Deps(uow, clock)


async def booked(engine: AsyncEngine, clock: FakeClock) -> Appointment:
    clinic = await make_clinic(engine)
    deps = sql_deps(engine, clock)
    query = SlotQuery("PE", clinic.specialty, clinic.doctor, TUESDAY, TUESDAY)
    [first, *_] = [s.slot for s in await open_slots(deps, query)]
    command = BookCommand(clinic.doctor, clinic.specialty, first.start)
    return await book(deps, Actor(Role.PATIENT, clinic.patients[0]), command)


async def status_of(engine: AsyncEngine, appointment: Appointment) -> str:
    async with engine.connect() as conn:
        query = select(appointments.c.status).where(appointments.c.id == appointment.id)
        return str((await conn.execute(query)).scalar_one())


async def test_a_cancellation_that_meets_processing_half_way_reads_again_and_cancels(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    appointment = await booked(engine, clock)
    deps = processing_meanwhile(engine, clock, Status.PENDING)

    cancelled = await cancel(deps, ADMIN, CancelCommand(appointment.id, "clinic closed"))

    assert cancelled.status is Status.CANCELLED
    assert [c.from_status for c in cancelled.history][-1] is Status.PENDING
    assert await status_of(engine, appointment) == Status.CANCELLED.value


async def test_a_visit_rejected_while_it_was_being_cancelled_stays_rejected(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    appointment = await booked(engine, clock)
    deps = processing_meanwhile(engine, clock, Status.REJECTED)

    with pytest.raises(InvalidTransition) as refused:
        await cancel(deps, ADMIN, CancelCommand(appointment.id))

    assert "rejected" in str(refused.value)
    assert await status_of(engine, appointment) == Status.REJECTED.value
