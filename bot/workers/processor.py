"""Works the processing queue: claims due jobs and runs each booking's country steps.

``Processor.run`` is one asyncio task of every ``medbot run`` and ``medbot worker``
process; any number of them share the ``processing_jobs`` table (PostgreSQL claims
skip each other's rows). Each job runs in its own unit of work
(:func:`domain.usecases.processing.process`), which stores the step's effects with
the job's progress, so a crash neither loses a job nor applies a step twice: the
lease ends and the job runs again from where it was stored.

Faults: a job whose save lost to a doctor's answer (``ConcurrentChange``) is handed
back and runs again next round, uncounted; any other error retries with backoff,
and after ``max_attempts`` the job dies, its booking is rejected with the patient
told, and the admins are alerted.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

import structlog

from bot.metrics import BOOKINGS_PROCESSED as PROCESSED
from bot.workers.queue_metrics import QueueGauges
from domain.errors import ConcurrentChange
from domain.ports import Deps
from domain.processing import JobState
from domain.usecases.processing import give_up, process
from storage.jobs import JobStore
from storage.queue import Backoff

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    batch: int = 50
    lease: timedelta = timedelta(seconds=30)  # a claim older than this is a crashed worker's
    max_attempts: int = 6
    concurrency: int = 8  # jobs run at once: their units of work overlap on PostgreSQL


class Processor:
    def __init__(self, store: JobStore, deps: Deps, settings: ProcessorSettings) -> None:
        self._store = store
        self._deps = deps
        self._settings = settings
        self._backoff = Backoff(max_attempts=settings.max_attempts)
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._gauges = QueueGauges("processing", store, (s.value for s in JobState))

    async def run(self, interval: float, stopping: asyncio.Event) -> None:
        """A round every ``interval`` seconds until ``stopping``; a full round is
        followed at once, so a backlog drains as fast as rounds go."""
        loop = asyncio.get_running_loop()
        while not stopping.is_set():
            started = loop.time()
            try:
                full = await self.tick() >= self._settings.batch
            except Exception:  # a failed round is retried; claimed jobs return on lease end
                log.exception("processing_round_failed")
                full = False
            await self._gauges.refresh(self._deps.clock.now())
            rest = 0.0 if full else interval - (loop.time() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), max(rest, 0))

    async def tick(self) -> int:
        """One round: run every due job. Returns how many were claimed."""
        now = self._deps.clock.now()
        if not await self._store.has_work(now):  # idle: one indexed read
            return 0
        claimed = await self._store.claim(now, self._settings.batch, now + self._settings.lease)
        await asyncio.gather(*(self._run(job_id) for job_id in claimed))
        return len(claimed)

    async def _run(self, job_id: int) -> None:
        async with self._slots:
            try:
                state = await process(self._deps, job_id)
            except ConcurrentChange:  # a doctor answered meanwhile: run again, uncounted
                await self._store.release([job_id])
                return
            except Exception as error:  # noqa: BLE001 (any step's fault: retry, then give up)
                await self._failed(job_id, error)
                return
        PROCESSED.labels(state.value if state else "gone").inc()

    async def _failed(self, job_id: int, error: Exception) -> None:
        reason = type(error).__name__
        log.warning("processing_step_failed", job=job_id, error=reason)
        now = self._deps.clock.now()
        if await self._store.fail([job_id], now, reason, self._backoff):
            PROCESSED.labels("dead").inc()
            log.error("processing_job_dead", job=job_id, error=reason)
            await give_up(self._deps, job_id)
