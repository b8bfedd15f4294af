"""The notifications outbox: rows written by use cases, claimed and settled by the dispatcher."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.notifications import Delivery, Kind, Notification
from storage.engine import reading, writing
from storage.tables import notifications, patients
from storage.types import UTCDateTime


class SqlNotifications:
    """The use cases' side: plan and withdraw, inside their unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, planned: Iterable[Notification]) -> None:
        """Queue notifications; one whose dedupe key exists already is skipped."""
        rows = [
            {
                "chat_id": n.chat_id,
                "kind": n.kind.value,
                "appointment_id": n.appointment_id,
                "template": n.template,
                "params": n.params,
                "urgent": n.urgent,
                "due_at": n.due_at,
                "dedupe_key": n.dedupe_key,
                "state": Delivery.QUEUED.value,
                "attempts": 0,
                "next_attempt_at": n.due_at,
            }
            for n in planned
        ]
        if not rows:
            return
        insert = sqlite_insert if self._conn.dialect.name == "sqlite" else pg_insert
        await self._conn.execute(
            insert(notifications).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows
        )

    async def retime(self, appointment_id: uuid.UUID, start: datetime) -> None:
        """Queued notifications about the appointment name ``start`` as its time now."""
        rows = await self._conn.execute(
            select(notifications.c.id, notifications.c.params).where(
                notifications.c.appointment_id == appointment_id,
                notifications.c.state == Delivery.QUEUED.value,
            )
        )
        moved = [
            {"row_id": row_id, "new_params": {**params, "start": int(start.timestamp())}}
            for row_id, params in rows
            if "start" in params
        ]
        if moved:
            await self._conn.execute(_RETIME, moved)

    async def withdraw(self, appointment_id: uuid.UUID, kind: Kind) -> None:
        """Notifications of this kind about the appointment will not be sent; one being
        sent right now is not sent again if that attempt fails."""
        await self._conn.execute(
            update(notifications)
            .where(
                notifications.c.appointment_id == appointment_id,
                notifications.c.kind == kind.value,
                notifications.c.state.in_([Delivery.QUEUED.value, Delivery.SENDING.value]),
            )
            .values(state=Delivery.WITHDRAWN.value)
        )


_RETIME = (
    update(notifications)
    .where(notifications.c.id == bindparam("row_id"))
    .values(params=bindparam("new_params", type_=notifications.c.params.type))
)

#: One statement for a whole group commit of sent rows, executed as an executemany.
_MARK_SENT = (
    update(notifications)
    .where(notifications.c.id == bindparam("row_id"))
    .values(
        state=Delivery.SENT.value,
        telegram_message_id=bindparam("message_id"),
        sent_at=bindparam("sent_time"),
        lease_until=None,
    )
)


_HAS_WORK = select(
    or_(
        exists().where(
            notifications.c.state == Delivery.QUEUED.value,
            notifications.c.next_attempt_at <= bindparam("now", type_=UTCDateTime()),
        ),
        exists().where(
            notifications.c.state == Delivery.SENDING.value,
            notifications.c.lease_until < bindparam("now", type_=UTCDateTime()),
        ),
    )
)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    chat_id: int
    kind: str
    template: str
    params: dict[str, Any]
    appointment_id: uuid.UUID | None
    attempts: int


class OutboxStore:
    """The dispatcher's side. Each method is one short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def queue(self, planned: list[Notification]) -> None:
        """Queue notifications outside a use case (the dispatcher's own alerts)."""
        async with writing(self._engine) as conn:
            await SqlNotifications(conn).add(planned)

    async def has_work(self, now: datetime) -> bool:
        """Whether a round would find anything: a due queued row or an expired lease.

        A plain read that takes no write lock, so an idle dispatcher does not
        make writers (bookings, registrations) queue behind it every second.
        """
        async with reading(self._engine) as conn:
            found = await conn.execute(_HAS_WORK, {"now": now})
            return bool(found.scalar())

    async def release_expired(self, now: datetime) -> int:
        """Rows left in ``sending`` past their lease (a crash) go back to the queue."""
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(notifications)
                .where(
                    notifications.c.state == Delivery.SENDING.value,
                    notifications.c.lease_until < now,
                )
                .values(state=Delivery.QUEUED.value, lease_until=None)
            )
            return int(result.rowcount or 0)

    async def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
        """Take up to ``limit`` due rows, oldest first. Concurrent dispatchers on
        PostgreSQL skip each other's rows (``FOR UPDATE SKIP LOCKED``); SQLite
        serialises them with ``BEGIN IMMEDIATE``."""
        due = (
            select(notifications.c.id)
            .where(
                notifications.c.state == Delivery.QUEUED.value,
                notifications.c.next_attempt_at <= now,
            )
            .order_by(notifications.c.next_attempt_at, notifications.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(due.scalar_subquery()))
                .values(
                    state=Delivery.SENDING.value,
                    lease_until=lease_until,
                    attempts=notifications.c.attempts + 1,
                )
                .returning(
                    notifications.c.id,
                    notifications.c.chat_id,
                    notifications.c.kind,
                    notifications.c.template,
                    notifications.c.params,
                    notifications.c.appointment_id,
                    notifications.c.attempts,
                )
            )
            rows = [Claimed(*r) for r in result]
        return sorted(rows, key=lambda r: r.id)

    async def mark_sent(self, sent: list[tuple[int, int]], at: datetime) -> None:
        """``(row id, Telegram message id)`` pairs, in one transaction."""
        if not sent:
            return
        async with writing(self._engine) as conn:
            await conn.execute(
                _MARK_SENT,
                [{"row_id": r, "message_id": m, "sent_time": at} for r, m in sent],
            )

    async def retry(self, row_ids: list[int], at: datetime, error: str) -> None:
        """Claimed rows go back to the queue for ``at``; rows withdrawn meanwhile stay so."""
        await self._requeue(row_ids, next_attempt_at=at, last_error=error[:200])

    async def release(self, row_ids: list[int]) -> None:
        """Claimed rows handed back unsent and unattempted, for a later round."""
        await self._requeue(row_ids, attempts=notifications.c.attempts - 1)

    async def _requeue(self, row_ids: list[int], **values: object) -> None:
        """Rows still ``sending`` go back to ``queued``, with ``values`` set too."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(notifications)
                .where(
                    notifications.c.id.in_(row_ids),
                    notifications.c.state == Delivery.SENDING.value,
                )
                .values(state=Delivery.QUEUED.value, lease_until=None, **values)
            )

    async def hold_chat(self, chat_id: int, until: datetime) -> None:
        """Telegram asked us to wait: nothing queued for this chat goes before ``until``,
        so messages to one person keep their order."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(notifications)
                .where(
                    notifications.c.chat_id == chat_id,
                    notifications.c.state == Delivery.QUEUED.value,
                    notifications.c.next_attempt_at < until,
                )
                .values(next_attempt_at=until)
            )

    async def mark_dead(self, row_ids: list[int], error: str) -> None:
        async with writing(self._engine) as conn:
            await conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(row_ids))
                .values(state=Delivery.DEAD.value, last_error=error[:200], lease_until=None)
            )

    async def withdraw_rows(self, row_ids: list[int], reason: str) -> None:
        """Claimed rows that must not go out any more (a reminder whose visit began)."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(row_ids))
                .values(state=Delivery.WITHDRAWN.value, last_error=reason[:200], lease_until=None)
            )

    async def chat_unreachable(self, chat_id: int, at: datetime, error: str) -> int:
        """The person blocked the bot: remember it and kill everything queued for them."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(patients)
                .where(patients.c.telegram_user_id == chat_id)
                .values(unreachable_at=at)
            )
            result = await conn.execute(
                update(notifications)
                .where(
                    notifications.c.chat_id == chat_id,
                    notifications.c.state.in_([Delivery.QUEUED.value, Delivery.SENDING.value]),
                )
                .values(state=Delivery.DEAD.value, last_error=error[:200], lease_until=None)
            )
            return int(result.rowcount or 0)

    async def languages(self, chat_ids: Iterable[int]) -> dict[int, str]:
        async with reading(self._engine) as conn:
            rows = await conn.execute(
                select(patients.c.telegram_user_id, patients.c.language).where(
                    patients.c.telegram_user_id.in_(set(chat_ids))
                )
            )
            return {r.telegram_user_id: r.language for r in rows}

    async def count(self, state: Delivery) -> int:
        """Rows in one state: an index range, not a scan of the whole history."""
        async with reading(self._engine) as conn:
            query = select(func.count()).where(notifications.c.state == state.value)
            return int((await conn.execute(query)).scalar_one())

    async def counts(self) -> dict[str, int]:
        """Rows by state, for operators: this reads the whole table."""
        async with reading(self._engine) as conn:
            rows = await conn.execute(
                select(notifications.c.state, func.count()).group_by(notifications.c.state)
            )
            return {str(state): int(count) for state, count in rows}

    async def oldest_due(self) -> datetime | None:
        query = select(func.min(notifications.c.next_attempt_at)).where(
            notifications.c.state == Delivery.QUEUED.value
        )
        async with reading(self._engine) as conn:
            found: datetime | None = (await conn.execute(query)).scalar()
        if found is not None and found.tzinfo is None:  # SQLite's min() skips the column type
            found = found.replace(tzinfo=UTC)
        return found

    async def requeue_dead(self, now: datetime) -> int:
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(notifications)
                .where(notifications.c.state == Delivery.DEAD.value)
                .values(state=Delivery.QUEUED.value, next_attempt_at=now, attempts=0)
            )
            return int(result.rowcount or 0)
