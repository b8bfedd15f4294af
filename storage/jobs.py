"""Bookings' processing jobs: the use cases' repository (:class:`SqlJobs`) and the
worker's side (:class:`JobStore`), a queue on the generic mechanics of
:mod:`storage.queue` (claim under a lease, ``SKIP LOCKED`` on PostgreSQL, retry with
backoff, dead after too many attempts).

A claimed job is run by :func:`domain.usecases.processing.process` in its own unit of
work, which saves the job's progress with the step's effects. Saves are optimistic:
each adds one to ``version`` and expects the version it read, so a worker and a
doctor's answer writing the same job at once cannot both win.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.errors import ConcurrentChange
from domain.processing import Job, JobState
from storage.queue import Backoff, Queue, QueueTable
from storage.tables import processing_jobs

JOBS = QueueTable(
    processing_jobs,
    queued=JobState.QUEUED.value,
    claimed=JobState.WORKING.value,
    dead=JobState.DEAD.value,
)


class SqlJobs:
    """Implements :class:`domain.ports.JobRepository` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._versions: dict[int, int] = {}

    async def add(self, job: Job) -> None:
        result = await self._conn.execute(
            insert(processing_jobs)
            .values(
                appointment_id=job.appointment_id,
                step=job.step,
                state=job.state.value,
                version=0,
                attempts=0,
                next_attempt_at=job.due,
                offered_to=job.offered_to,
                deadline=job.deadline,
                passed=list(job.passed),
                created_at=job.due,
            )
            .returning(processing_jobs.c.id)
        )
        job.id = int(result.scalar_one())
        self._versions[job.id] = 0

    async def get(self, job_id: int) -> Job | None:
        return await self._one(processing_jobs.c.id == job_id)

    async def for_appointment(self, appointment_id: uuid.UUID) -> Job | None:
        return await self._one(processing_jobs.c.appointment_id == appointment_id)

    async def save(self, job: Job) -> None:
        if job.id is None:
            raise ValueError("save a job that was added")
        version = self._versions.get(job.id)
        statement = update(processing_jobs).where(processing_jobs.c.id == job.id)
        if version is not None:
            statement = statement.where(processing_jobs.c.version == version)
        result = await self._conn.execute(
            statement.values(
                step=job.step,
                state=job.state.value,
                version=processing_jobs.c.version + 1,
                next_attempt_at=job.due,
                lease_until=None,
                offered_to=job.offered_to,
                deadline=job.deadline,
                passed=list(job.passed),
            )
        )
        if result.rowcount != 1:
            raise ConcurrentChange(f"job {job.id}")
        if version is not None:
            self._versions[job.id] = version + 1

    async def _one(self, condition: Any) -> Job | None:
        row = (await self._conn.execute(select(processing_jobs).where(condition))).first()
        if row is None:
            return None
        self._versions[int(row.id)] = int(row.version)
        return _from_row(row)


def _from_row(row: Row[Any]) -> Job:
    return Job(
        appointment_id=row.appointment_id,
        due=row.next_attempt_at,
        step=int(row.step),
        state=JobState(row.state),
        offered_to=row.offered_to,
        deadline=row.deadline,
        passed=[int(p) for p in row.passed],
        id=int(row.id),
    )


class JobStore:
    """The worker's side: which jobs are due, claimed under a lease, failed or dead.
    Each method is one short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._queue = Queue(engine, JOBS)

    async def has_work(self, now: datetime) -> bool:
        """One indexed read, taking no write lock: an idle round costs only this."""
        return await self._queue.has_work(now)

    async def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[int]:
        await self._queue.release_expired(now)
        return [int(row[0]) for row in await self._queue.claim(now, limit, lease_until, ())]

    async def release(self, job_ids: list[int]) -> None:
        """Claimed jobs handed back unattempted (another writer got there first)."""
        await self._queue.release(job_ids)

    async def fail(self, job_ids: list[int], now: datetime, error: str, backoff: Backoff) -> int:
        """A failed attempt: retried after ``backoff``, or dead. Returns how many died."""
        return await self._queue.fail(job_ids, now, error, backoff)

    async def count(self, state: JobState) -> int:
        return await self._queue.count(state.value)

    async def counts(self) -> dict[str, int]:
        return await self._queue.counts()

    async def oldest_due(self) -> datetime | None:
        return await self._queue.oldest_due()
