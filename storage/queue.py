"""A durable work queue on a table: claim due rows under a lease, retry them with
backoff, and let them die after too many attempts.

Rows move ``queued`` → ``claimed`` (leased until a time) → a final state, or back
to ``queued`` for a retry. Concurrent claimers on PostgreSQL skip each other's
rows (``FOR UPDATE SKIP LOCKED``); on SQLite every write is a ``BEGIN IMMEDIATE``
transaction, so claimers take turns. Each method is one short transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Row, Table, bindparam, func, literal, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import reading, writing
from storage.types import UTCDateTime

ERROR_LENGTH = 200


@dataclass(frozen=True, slots=True)
class QueueTable:
    """Which table holds the queue, its bookkeeping columns and its state values."""

    table: Table
    id: str = "id"
    state: str = "state"
    attempts: str = "attempts"
    next_attempt_at: str = "next_attempt_at"
    lease_until: str = "lease_until"
    last_error: str = "last_error"
    queued: str = "queued"
    claimed: str = "sending"
    dead: str = "dead"

    def column(self, name: str) -> Column[Any]:
        return self.table.c[name]


def _jitter() -> float:
    return random.uniform(0.5, 1.5)  # noqa: S311 (jitter, not security)


@dataclass(frozen=True, slots=True)
class Backoff:
    """``base ** attempts`` seconds (the exponent capped) times a jitter, until
    ``max_attempts`` have failed."""

    max_attempts: int = 8
    base: float = 2.0
    max_exponent: int = 10
    jitter: Callable[[], float] = field(default=_jitter)

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.base ** min(attempts, self.max_exponent) * self.jitter())


class Queue:
    def __init__(self, engine: AsyncEngine, spec: QueueTable) -> None:
        self._engine = engine
        self.spec = spec
        self._id = spec.column(spec.id)
        self._state = spec.column(spec.state)
        self._attempts = spec.column(spec.attempts)
        self._due = spec.column(spec.next_attempt_at)
        self._lease = spec.column(spec.lease_until)
        self._error = spec.column(spec.last_error)
        # States are written into the SQL, not bound, so that PostgreSQL's generic plans
        # can match a partial index on the rows still to work (``storage.tables``).
        self._queued = literal(spec.queued, literal_execute=True)
        self._claimed = literal(spec.claimed, literal_execute=True)
        # The earliest due row and the earliest lease: each a min() an index answers by
        # reading one entry, whatever the planner's statistics say about the table.
        self._earliest = select(
            select(type_coerce(func.min(self._due), UTCDateTime()))
            .where(self._state == self._queued)
            .scalar_subquery(),
            select(type_coerce(func.min(self._lease), UTCDateTime()))
            .where(self._state == self._claimed)
            .scalar_subquery(),
        )

    async def has_work(self, now: datetime) -> bool:
        """Whether a claim would find anything: a due row or an expired lease. A plain
        read that takes no write lock, so an idle worker never makes writers wait."""
        async with reading(self._engine) as conn:
            due, lease = (await conn.execute(self._earliest)).one()
        return (due is not None and _aware(due) <= now) or (
            lease is not None and _aware(lease) < now
        )

    async def release_expired(self, now: datetime) -> int:
        """Rows claimed past their lease (their worker crashed) go back to the queue."""
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(self.spec.table)
                .where(self._state == self.spec.claimed, self._lease < now)
                .values({self._state: self.spec.queued, self._lease: None})
            )
            return int(result.rowcount or 0)

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime, returning: Sequence[Column[Any]]
    ) -> list[Row[Any]]:
        """Take up to ``limit`` due rows, oldest first, counting an attempt on each.
        Each row read back is its id, then the ``returning`` columns, in id order."""
        due = (
            select(self._id)
            .where(self._state == self._queued, self._due <= now)
            .order_by(self._due, self._id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(self.spec.table)
                .where(self._id.in_(due.scalar_subquery()))
                .values(
                    {
                        self._state: self.spec.claimed,
                        self._lease: lease_until,
                        self._attempts: self._attempts + 1,
                    }
                )
                .returning(self._id, *returning)
            )
            rows = list(result)
        return sorted(rows, key=lambda row: int(row[0]))

    async def retry(self, row_ids: list[int], at: datetime, error: str) -> None:
        """Claimed rows go back to the queue for ``at``; rows settled meanwhile stay so."""
        await self._requeue(row_ids, {self._due: at, self._error: error[:ERROR_LENGTH]})

    async def release(self, row_ids: list[int]) -> None:
        """Claimed rows handed back unattempted, for a later claim."""
        await self._requeue(row_ids, {self._attempts: self._attempts - 1})

    async def fail(self, row_ids: list[int], now: datetime, error: str, backoff: Backoff) -> int:
        """Claimed rows whose attempt failed: each retries after ``backoff``, or dies
        once it has had ``max_attempts``. Returns how many died."""
        async with writing(self._engine) as conn:
            found = await conn.execute(
                select(self._id, self._attempts).where(
                    self._id.in_(row_ids), self._state == self.spec.claimed
                )
            )
            rows = list(found)
            dead = [row_id for row_id, attempts in rows if attempts >= backoff.max_attempts]
            again = [
                {"row_id": row_id, "at": now + backoff.delay(attempts)}
                for row_id, attempts in rows
                if attempts < backoff.max_attempts
            ]
            values = {self._lease: None, self._error: error[:ERROR_LENGTH]}
            if dead:
                await conn.execute(
                    update(self.spec.table)
                    .where(self._id.in_(dead))
                    .values({**values, self._state: self.spec.dead})
                )
            if again:
                at = bindparam("at", type_=UTCDateTime())
                await conn.execute(
                    update(self.spec.table)
                    .where(self._id == bindparam("row_id"))
                    .values({**values, self._state: self.spec.queued, self._due: at}),
                    again,
                )
        return len(dead)

    async def settle(self, row_ids: list[int], state: str, error: str | None = None) -> None:
        """Rows reach a final ``state`` (dead, or the table's own), their lease dropped."""
        values: dict[Column[Any], object] = {self._state: state, self._lease: None}
        if error is not None:
            values[self._error] = error[:ERROR_LENGTH]
        async with writing(self._engine) as conn:
            await conn.execute(update(self.spec.table).where(self._id.in_(row_ids)).values(values))

    async def mark_dead(self, row_ids: list[int], error: str) -> None:
        await self.settle(row_ids, self.spec.dead, error)

    async def requeue_dead(self, now: datetime) -> int:
        """Every dead row is queued again for ``now``, with its attempts reset."""
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(self.spec.table)
                .where(self._state == self.spec.dead)
                .values({self._state: self.spec.queued, self._due: now, self._attempts: 0})
            )
            return int(result.rowcount or 0)

    async def count(self, state: str) -> int:
        """Rows in one state: an index range, not a scan of the whole history."""
        async with reading(self._engine) as conn:
            query = select(func.count()).select_from(self.spec.table).where(self._state == state)
            return int((await conn.execute(query)).scalar_one())

    async def counts(self) -> dict[str, int]:
        """Rows by state, for operators: this reads the whole table."""
        async with reading(self._engine) as conn:
            rows = await conn.execute(select(self._state, func.count()).group_by(self._state))
            return {str(state): int(count) for state, count in rows}

    async def oldest_due(self) -> datetime | None:
        query = select(func.min(self._due)).where(self._state == self.spec.queued)
        async with reading(self._engine) as conn:
            found: datetime | None = (await conn.execute(query)).scalar()
        if found is not None and found.tzinfo is None:  # SQLite's min() skips the column type
            found = found.replace(tzinfo=UTC)
        return found

    async def _requeue(self, row_ids: list[int], values: dict[Column[Any], object]) -> None:
        """Rows still claimed go back to the queue, with ``values`` set too."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(self.spec.table)
                .where(self._id.in_(row_ids), self._state == self.spec.claimed)
                .values({**values, self._state: self.spec.queued, self._lease: None})
            )


def _aware(value: datetime) -> datetime:
    """SQLite hands an aggregate's datetime back without its zone; it is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
