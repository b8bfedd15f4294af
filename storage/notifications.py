"""The use cases' side of the outbox: notifications planned, retimed and withdrawn
inside their unit of work (:mod:`storage.outbox` sends them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.notifications import Delivery, Kind, Notification
from domain.privacy import NoticeRecord
from storage.tables import notifications


class SqlNotifications:
    """Implements :class:`domain.ports.NotificationRepository` on one connection."""

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

    async def to_chat(self, chat_id: int) -> list[NoticeRecord]:
        rows = await self._conn.execute(
            select(notifications)
            .where(notifications.c.chat_id == chat_id)
            .order_by(notifications.c.due_at, notifications.c.id)
        )
        return [
            NoticeRecord(
                row.kind, row.template, row.appointment_id, row.due_at, row.state, row.sent_at
            )
            for row in rows
        ]

    async def forget_name(self, appointment_ids: list[uuid.UUID], placeholder: str) -> None:
        if not appointment_ids:
            return
        rows = await self._conn.execute(
            select(notifications.c.id, notifications.c.params).where(
                notifications.c.appointment_id.in_(appointment_ids)
            )
        )
        renamed = [
            {"row_id": row_id, "new_params": {**params, "patient": placeholder}}
            for row_id, params in rows
            if "patient" in params
        ]
        if renamed:
            await self._conn.execute(_RETIME, renamed)

    async def forget_chat(self, chat_id: int, pseudonym: int) -> None:
        """Queued rows are withdrawn (one being sent right now is not retried); then every
        row's chat, and the chat at the end of a dedupe key, become ``pseudonym``."""
        await self._conn.execute(
            update(notifications)
            .where(
                notifications.c.chat_id == chat_id,
                notifications.c.state.in_([Delivery.QUEUED.value, Delivery.SENDING.value]),
            )
            .values(state=Delivery.WITHDRAWN.value)
        )
        rows = await self._conn.execute(
            select(notifications.c.id, notifications.c.dedupe_key).where(
                notifications.c.chat_id == chat_id
            )
        )
        renamed = [
            {"row_id": row_id, "new_chat": pseudonym, "new_key": _renamed(key, chat_id, pseudonym)}
            for row_id, key in rows
        ]
        if renamed:
            await self._conn.execute(_READDRESS, renamed)


def _renamed(dedupe_key: str, chat_id: int, pseudonym: int) -> str:
    """A dedupe key names its chat as one ``:``-separated part (``…:status:…:<chat>``,
    ``alert:<what>:<chat>:<window>``): that part becomes the pseudonym."""
    parts = dedupe_key.split(":")
    return ":".join(str(pseudonym) if part == str(chat_id) else part for part in parts)


_READDRESS = (
    update(notifications)
    .where(notifications.c.id == bindparam("row_id"))
    .values(chat_id=bindparam("new_chat"), dedupe_key=bindparam("new_key"))
)

_RETIME = (
    update(notifications)
    .where(notifications.c.id == bindparam("row_id"))
    .values(params=bindparam("new_params", type_=notifications.c.params.type))
)
