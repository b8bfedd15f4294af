"""The durable queues as gauges: rows by state and the age of the oldest due row.

Each worker refreshes its queue's gauges from its own loop, at most every
``REFRESH`` seconds: counting rows by state reads the whole table, too much for
every round (a round can be 50 ms) and too little to matter every 15 s. Prometheus
scrapes far less often. Every process that works a queue exports the same values,
so alert rules and panels take ``max`` over instances.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

import structlog

from bot.metrics import QUEUE_OLDEST_DUE_AGE, QUEUE_ROWS

log = structlog.get_logger(__name__)

#: Seconds between two refreshes of one queue's gauges.
REFRESH = 15.0


class QueueStats(Protocol):
    async def counts(self) -> dict[str, int]: ...

    async def oldest_due(self) -> datetime | None: ...


class QueueGauges:
    """The gauges of one queue (``outbox`` or ``processing``), refreshed from its store."""

    def __init__(
        self,
        queue: str,
        store: QueueStats,
        states: Iterable[str],
        every: float | None = None,  # default: REFRESH
    ) -> None:
        self._queue = queue
        self._store = store
        self._states = set(states)  # always exported, so a drained state reads 0
        self._every = REFRESH if every is None else every
        self._next = 0.0

    async def refresh(self, now: datetime) -> None:
        """Read the store unless it was read less than ``every`` seconds ago."""
        if time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self._every
        try:
            counts = await self._store.counts()
            oldest = await self._store.oldest_due()
        except Exception:  # noqa: BLE001 (a metric never stops a worker; the next try may pass)
            log.warning("queue_metrics_failed", queue=self._queue)
            return
        self._states |= counts.keys()
        for state in self._states:
            QUEUE_ROWS.labels(self._queue, state).set(counts.get(state, 0))
        age = 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)
        QUEUE_OLDEST_DUE_AGE.labels(self._queue).set(age)
