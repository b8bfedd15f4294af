"""The audit log: insert and read, and nothing else (``domain.audit``)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.audit import AuditEntry, AuditFilter, Source
from storage.tables import audit_log


class SqlAuditLog:
    """Implements :class:`domain.ports.AuditLog`. Append-only: no method deletes a row,
    the one update is erasure's :meth:`pseudonymise`, and ``tests/storage`` holds it
    to that."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def append(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            insert(audit_log).values(
                at=entry.at,
                actor_role=entry.actor_role,
                actor_id=entry.actor_id,
                action=entry.action,
                record_type=entry.record_type,
                record_id=entry.record_id,
                patient_id=entry.patient_id,
                source=entry.source.value,
            )
        )

    async def pseudonymise(self, telegram_user_id: int, pseudonym: int) -> None:
        """A guest's entries name their Telegram account as the actor, and a ``person``
        record is one: both become ``pseudonym``. Staff entries are the staff's own."""
        await self._conn.execute(
            update(audit_log)
            .where(audit_log.c.actor_role == "guest", audit_log.c.actor_id == telegram_user_id)
            .values(actor_id=pseudonym)
        )
        await self._conn.execute(
            update(audit_log)
            .where(
                audit_log.c.record_type == "person",
                audit_log.c.record_id == str(telegram_user_id),
            )
            .values(record_id=str(pseudonym))
        )

    async def latest(self, where: AuditFilter) -> list[AuditEntry]:
        query = select(audit_log)
        for column, value in (
            (audit_log.c.record_type, where.record_type),
            (audit_log.c.record_id, where.record_id),
            (audit_log.c.patient_id, where.patient_id),
            (audit_log.c.actor_role, where.actor_role),
            (audit_log.c.actor_id, where.actor_id),
        ):
            if value is not None:
                query = query.where(column == value)
        query = query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(where.limit)
        return [
            AuditEntry(
                at=row.at,
                actor_role=row.actor_role,
                actor_id=row.actor_id,
                action=row.action,
                record_type=row.record_type,
                record_id=row.record_id,
                source=Source(row.source),
                patient_id=row.patient_id,
                id=row.id,
            )
            for row in await self._conn.execute(query)
        ]
