"""The language each person chose, by Telegram id: patients, doctors and admins alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import languages


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlLanguages:
    """Implements :class:`domain.ports.LanguageRepository` on one connection."""

    def __init__(self, conn: AsyncConnection, now: Callable[[], datetime] = _utc_now) -> None:
        self._conn = conn
        self._now = now

    async def set(self, telegram_user_id: int, language: str) -> None:
        insert = sqlite_insert if self._conn.dialect.name == "sqlite" else pg_insert
        row = insert(languages).values(
            telegram_user_id=telegram_user_id, language=language, updated_at=self._now()
        )
        await self._conn.execute(
            row.on_conflict_do_update(
                index_elements=[languages.c.telegram_user_id],
                set_={"language": row.excluded.language, "updated_at": row.excluded.updated_at},
            )
        )

    async def get(self, telegram_user_id: int) -> str | None:
        query = select(languages.c.language).where(languages.c.telegram_user_id == telegram_user_id)
        found: str | None = (await self._conn.execute(query)).scalar()
        return found

    async def forget(self, telegram_user_id: int) -> None:
        await self._conn.execute(
            delete(languages).where(languages.c.telegram_user_id == telegram_user_id)
        )
