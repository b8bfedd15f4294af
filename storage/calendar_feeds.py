"""Doctors' calendar feeds (``domain.calendar_feeds``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.calendar_feeds import CalendarFeed
from storage.tables import calendar_feeds


class SqlCalendarFeeds:
    """Implements :class:`domain.ports.CalendarFeedRepository` on one connection; the
    partial unique index ``uq_calendar_feeds_active`` holds one active feed per doctor."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, feed: CalendarFeed) -> CalendarFeed:
        result = await self._conn.execute(
            insert(calendar_feeds)
            .values(
                doctor_id=feed.doctor_id, token_hash=feed.token_hash, created_at=feed.created_at
            )
            .returning(calendar_feeds.c.id)
        )
        feed.id = result.scalar_one()
        return feed

    async def active_for(self, doctor_id: int) -> CalendarFeed | None:
        return await self._one(
            select(calendar_feeds).where(
                calendar_feeds.c.doctor_id == doctor_id, calendar_feeds.c.revoked_at.is_(None)
            )
        )

    async def get_by_hash(self, token_hash: str) -> CalendarFeed | None:
        return await self._one(
            select(calendar_feeds).where(calendar_feeds.c.token_hash == token_hash)
        )

    async def save(self, feed: CalendarFeed) -> None:
        await self._conn.execute(
            update(calendar_feeds)
            .where(calendar_feeds.c.id == feed.id)
            .values(last_used_at=feed.last_used_at, revoked_at=feed.revoked_at)
        )

    async def record_read(self, feed_id: int, at: datetime) -> None:
        await self._conn.execute(
            update(calendar_feeds).where(calendar_feeds.c.id == feed_id).values(last_used_at=at)
        )

    async def _one(self, query: Any) -> CalendarFeed | None:
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return CalendarFeed(
            doctor_id=row.doctor_id,
            token_hash=row.token_hash,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            id=row.id,
        )
