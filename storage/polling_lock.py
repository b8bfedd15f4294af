"""Who may poll Telegram: a PostgreSQL session advisory lock on a connection of its own.

Telegram answers ``getUpdates`` to one caller per bot, and conversation state is kept in
the memory of the process that handles a chat's updates. So of several ``medbot run``
processes on one database, one polls; the others stand by and ask again every few
seconds. The lock belongs to a database session, not to a transaction: it is held as
long as its connection lives, and PostgreSQL releases it the moment that connection
closes, a killed process's included (the kernel closes its socket).

On SQLite the lock is always granted: one host, one file, today's behaviour (two
``medbot run`` on one SQLite file would both poll, and Telegram would answer one of
them with 409 Conflict).

The connection is held outside the pool's reach for the process's life, in autocommit
(no transaction left open, so vacuum is never held back). It must reach PostgreSQL
itself or a pooler in *session* mode: a transaction-mode pooler (PgBouncer's
``pool_mode = transaction``) would hand the session, and the lock, to someone else.
"""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)

#: The advisory lock's key: "medb" "ot" then 1, one bigint. One database serves one bot.
POLLING_LOCK_KEY = 0x6D65_6462_6F74_0001
#: How long a check of the lock's connection may take before the lock counts as lost.
CHECK_TIMEOUT = 5.0


class PollingLock:
    """The right to poll, held on a dedicated connection (always granted on SQLite)."""

    def __init__(self, engine: AsyncEngine, key: int = POLLING_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: AsyncConnection | None = None
        self.held = False

    @property
    def enforced(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits. Database errors count as no."""
        if not self.enforced:
            self.held = True
            return True
        try:
            if self._conn is None:
                conn = await self._engine.connect()
                self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            result = await self._conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            self.held = bool(result.scalar())
        except (SQLAlchemyError, OSError) as error:
            log.warning("polling_lock_unavailable", error=type(error).__name__)
            await self._drop()
        return self.held

    async def still_held(self) -> bool:
        """Whether the lock's connection still answers: the lock lives exactly as long."""
        if not self.enforced or self._conn is None or not self.held:
            return self.held
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            # The class only, no traceback: a message may name the server.
            log.error("polling_lock_lost", error=type(error).__name__)  # noqa: TRY400
            await self._drop()
        return self.held

    async def release(self) -> None:
        """Give the lock up by closing its connection (never back to the pool with it)."""
        await self._drop()

    async def _drop(self) -> None:
        self.held = False
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.invalidate()  # closes the session, so PostgreSQL drops the lock
            await conn.close()
        except (SQLAlchemyError, OSError):
            log.warning("polling_lock_close_failed")
