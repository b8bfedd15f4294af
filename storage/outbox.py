"""The sender's side of the outbox: notifications claimed, sent and settled, on the
generic queue (:mod:`storage.queue`); use cases plan them with
:mod:`storage.notifications`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.notifications import Delivery, Notification
from storage.engine import reading, writing
from storage.notifications import SqlNotifications
from storage.queue import ERROR_LENGTH, Queue, QueueTable
from storage.tables import languages, notifications, patients

OUTBOX = QueueTable(
    notifications,
    queued=Delivery.QUEUED.value,
    claimed=Delivery.SENDING.value,
    dead=Delivery.DEAD.value,
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

_CLAIMED_COLUMNS = (
    notifications.c.chat_id,
    notifications.c.kind,
    notifications.c.template,
    notifications.c.params,
    notifications.c.appointment_id,
    notifications.c.attempts,
)

DEFAULT_LANGUAGE = "es"


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
    """The outbox sender's side. Each method is one short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._queue = Queue(engine, OUTBOX)

    async def queue(self, planned: list[Notification]) -> None:
        """Queue notifications outside a use case (the sender's own alerts)."""
        async with writing(self._engine) as conn:
            await SqlNotifications(conn).add(planned)

    async def has_work(self, now: datetime) -> bool:
        """Whether a round would find anything: a due queued row or an expired lease.

        A plain read that takes no write lock, so an idle sender does not
        make writers (bookings, registrations) queue behind it every second.
        """
        return await self._queue.has_work(now)

    async def release_expired(self, now: datetime) -> int:
        """Rows left in ``sending`` past their lease (a crash) go back to the queue."""
        return await self._queue.release_expired(now)

    async def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
        """Take up to ``limit`` due rows, oldest first (see :meth:`storage.queue.Queue.claim`)."""
        rows = await self._queue.claim(now, limit, lease_until, _CLAIMED_COLUMNS)
        return [Claimed(*tuple(row)) for row in rows]

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
        await self._queue.retry(row_ids, at, error)

    async def release(self, row_ids: list[int]) -> None:
        """Claimed rows handed back unsent and unattempted, for a later round."""
        await self._queue.release(row_ids)

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
        await self._queue.mark_dead(row_ids, error)

    async def withdraw_rows(self, row_ids: list[int], reason: str) -> None:
        """Claimed rows that must not go out any more (a reminder whose visit began)."""
        await self._queue.settle(row_ids, Delivery.WITHDRAWN.value, reason)

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
                .values(
                    state=Delivery.DEAD.value, last_error=error[:ERROR_LENGTH], lease_until=None
                )
            )
            return int(result.rowcount or 0)

    async def languages(self, chat_ids: Iterable[int]) -> dict[int, str]:
        """Each chat's language: the one its person chose (doctors and admins too), else
        the patient's, else Spanish."""
        wanted = set(chat_ids)
        registered = select(patients.c.telegram_user_id, patients.c.language).where(
            patients.c.telegram_user_id.in_(wanted)
        )
        chosen = select(languages.c.telegram_user_id, languages.c.language).where(
            languages.c.telegram_user_id.in_(wanted)
        )
        found: dict[int, str] = {}
        async with reading(self._engine) as conn:
            for query in (registered, chosen):  # a chosen language overrides the patient's
                found.update((chat, language) for chat, language in await conn.execute(query))
        return {chat: found.get(chat, DEFAULT_LANGUAGE) for chat in wanted}

    async def count(self, state: Delivery) -> int:
        """Rows in one state: an index range, not a scan of the whole history."""
        return await self._queue.count(state.value)

    async def counts(self) -> dict[str, int]:
        """Rows by state, for operators: this reads the whole table."""
        return await self._queue.counts()

    async def oldest_due(self) -> datetime | None:
        return await self._queue.oldest_due()

    async def requeue_dead(self, now: datetime) -> int:
        return await self._queue.requeue_dead(now)
