"""Key-value storage for the bot's conversation state, written in batches.

The bot wraps this in python-telegram-bot's ``BasePersistence``; storage itself
knows nothing of Telegram. Each value is encrypted (``telegram_state.data`` is an
:class:`~storage.types.EncryptedJSON`): a registration in progress holds a name and
a national ID. State untouched for :data:`STALE_AFTER` (a registration abandoned, a
booking never finished) is deleted by :meth:`TelegramStateStore.forget_stale`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.ports import Clock
from storage.engine import reading, writing
from storage.tables import telegram_state

STALE_AFTER = timedelta(days=7)


class TelegramStateStore:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def forget_stale(self) -> int:
        """Delete state no one has written for :data:`STALE_AFTER`; how many rows."""
        cutoff = self._clock.now() - STALE_AFTER
        async with writing(self._engine) as conn:
            result = await conn.execute(
                delete(telegram_state).where(telegram_state.c.updated_at < cutoff)
            )
            return int(result.rowcount or 0)

    async def load(self, kind: str) -> dict[str, Any]:
        async with reading(self._engine) as conn:
            rows = await conn.execute(
                select(telegram_state.c.key, telegram_state.c.data).where(
                    telegram_state.c.kind == kind
                )
            )
            return {row.key: row.data for row in rows}

    async def write(self, changes: Mapping[tuple[str, str], Any]) -> None:
        """Upsert each (kind, key) → data in one transaction; ``None`` deletes."""
        now = self._clock.now()
        upserts = [
            {"kind": kind, "key": key, "data": data, "updated_at": now}
            for (kind, key), data in changes.items()
            if data is not None
        ]
        deletions = [pair for pair, data in changes.items() if data is None]
        async with writing(self._engine) as conn:
            if deletions:
                await conn.execute(
                    delete(telegram_state).where(
                        tuple_(telegram_state.c.kind, telegram_state.c.key).in_(deletions)
                    )
                )
            if upserts:
                insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
                statement = insert(telegram_state)
                await conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[telegram_state.c.kind, telegram_state.c.key],
                        set_={
                            "data": statement.excluded.data,
                            "updated_at": statement.excluded.updated_at,
                        },
                    ),
                    upserts,
                )


class SqlChatState:
    """Implements :class:`domain.ports.ChatStateRepository` inside a unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def forget(self, telegram_user_id: int) -> None:
        """The account's user data, its private chat's data and every conversation whose
        key names it (``[chat, user]`` as JSON) are deleted."""
        gone = [("user", str(telegram_user_id)), ("chat", str(telegram_user_id))]
        rows = await self._conn.execute(
            select(telegram_state.c.kind, telegram_state.c.key).where(
                telegram_state.c.kind.startswith("conversation:")
            )
        )
        gone += [(kind, key) for kind, key in rows if telegram_user_id in _ids(key)]
        await self._conn.execute(
            delete(telegram_state).where(
                tuple_(telegram_state.c.kind, telegram_state.c.key).in_(gone)
            )
        )


def _ids(key: str) -> list[object]:
    try:
        found = json.loads(key)
    except ValueError:
        return []
    return found if isinstance(found, list) else [found]
