"""Processing jobs in a real database: stored with their booking, claimed once, saved
optimistically, and an idle round reads nothing but the index."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from domain.actors import Actor, Role
from domain.errors import ConcurrentChange
from domain.processing import JobState
from domain.usecases.booking import BookCommand, book
from storage.jobs import JobStore
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.storage.conftest import make_clinic

TUESDAY_9 = datetime(2026, 5, 5, 14, 0, tzinfo=UTC)  # 09:00 in Lima: 8 slots to lunch


async def booked(engine, clock, count: int = 1):  # type: ignore[no-untyped-def]
    clinic = await make_clinic(engine, patients=count)
    deps = sql_deps(engine, clock)
    return [
        await book(
            deps,
            Actor(Role.PATIENT, patient),
            BookCommand(clinic.doctor, clinic.specialty, TUESDAY_9 + timedelta(minutes=30 * n)),
        )
        for n, patient in enumerate(clinic.patients)
    ]


async def test_a_booking_is_stored_with_its_job_due_at_once(engine, clock) -> None:
    [appointment] = await booked(engine, clock)

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        job = await uow.jobs.for_appointment(appointment.id)

    assert job is not None
    assert (job.step, job.state, job.due) == (0, JobState.QUEUED, clock.now())


async def test_concurrent_claims_never_share_a_job(engine, clock) -> None:
    await booked(engine, clock, count=8)
    store = JobStore(engine)
    lease = clock.now() + timedelta(seconds=30)

    batches = await asyncio.gather(*(store.claim(clock.now(), 2, lease) for _ in range(6)))

    claimed = [job for batch in batches for job in batch]
    assert len(claimed) == len(set(claimed)) == 8
    assert await store.counts() == {"working": 8}


async def test_a_save_of_a_job_changed_since_it_was_read_is_refused(engine, clock) -> None:
    [appointment] = await booked(engine, clock)
    async with SqlUnitOfWork(engine) as first, SqlUnitOfWork(engine, read_only=True) as reader:
        stale = await reader.jobs.for_appointment(appointment.id)
        job = await first.jobs.for_appointment(appointment.id)
        assert job is not None
        assert stale is not None
        job.wait(clock.now() + timedelta(hours=1))
        await first.jobs.save(job)
        await first.commit()

    async with SqlUnitOfWork(engine) as second:
        second.jobs._versions[stale.id or 0] = 0  # as if read before the first save
        stale.finish()
        with pytest.raises(ConcurrentChange):
            await second.jobs.save(stale)


async def test_an_idle_round_with_waiting_jobs_is_one_read(engine, clock) -> None:
    await booked(engine, clock, count=8)
    async with SqlUnitOfWork(engine) as uow:
        for n in range(1, 9):
            job = await uow.jobs.get(n)
            assert job is not None
            job.wait(clock.now() + timedelta(hours=2))  # waiting for a doctor's answer
            await uow.jobs.save(job)
        await uow.commit()
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    busy = await JobStore(engine).has_work(clock.now())

    assert busy is False
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
