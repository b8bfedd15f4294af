"""SQLite statements run on the event loop's thread, not through aiosqlite's.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a thread of
its own and wakes the event loop with the result: about four round trips per
statement, each waiting its turn in a loop that is busy with everyone else's
updates. A booking's ~36 hops stretched to seconds under load, holding SQLite's
single writer turn all the while. The statements themselves take microseconds
on an indexed table of this size, so this driver runs them where they are
called, through the same SQLAlchemy ``sqlite+aiosqlite`` dialect: it provides the
slice of aiosqlite's API the dialect uses, with coroutines that finish without
suspending. A unit of work then runs from BEGIN to COMMIT without giving the loop
away, and never holds the writer turn across other people's work.

The one statement that can wait is the one that takes the write lock while
another connection (another process, or a writer that does not take
:func:`storage.engine.write_turn`) holds it. The connection's busy timeout is 0,
so SQLite answers "database is locked" at once instead of sleeping on the loop's
thread, and the statement is retried after an ``asyncio.sleep`` until
``busy_timeout`` has passed: the loop keeps serving everyone else meanwhile.
Only a statement outside a transaction is retried, so nothing half done is
repeated.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

# The names the dialect copies from the driver module.
DatabaseError = sqlite3.DatabaseError
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError
NotSupportedError = sqlite3.NotSupportedError
OperationalError = sqlite3.OperationalError
ProgrammingError = sqlite3.ProgrammingError
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info

#: Seconds a statement waits for another connection's write lock (SQLite's own
#: busy handler is off: it would sleep on the event loop's thread).
BUSY_TIMEOUT = 30.0
_FIRST_BACKOFF = 0.001
_MAX_BACKOFF = 0.05


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or (
        "database is locked" in str(error)
    )


class Cursor:
    """aiosqlite's ``Cursor``, run inline."""

    def __init__(self, conn: Connection, cursor: sqlite3.Cursor) -> None:
        self._conn = conn
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        await self._conn.waiting_out_locks(self._cursor.execute, sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        await self._conn.waiting_out_locks(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    """aiosqlite's ``Connection``, run inline; awaiting it opens the database."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_timeout: float) -> None:
        self._connector = connector
        self._connection: sqlite3.Connection | None = None
        self._busy_timeout = busy_timeout

    def __await__(self) -> Generator[Any, None, Connection]:
        return self._open().__await__()

    async def _open(self) -> Connection:
        self._connection = await self.waiting_out_locks(self._connector)
        self._connection.execute("PRAGMA busy_timeout=0")
        return self

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    async def waiting_out_locks(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``, retried while another connection holds the lock it needs."""
        deadline: float | None = None
        backoff = _FIRST_BACKOFF
        while True:
            retriable = self._connection is None or not self._connection.in_transaction
            try:
                return fn(*args)
            except sqlite3.OperationalError as error:
                if not (retriable and _is_busy(error)):
                    raise
                now = time.monotonic()
                deadline = deadline or now + self._busy_timeout
                if now >= deadline:
                    raise
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)

    def cursor(self) -> Cursor:  # aiosqlite's is an async context manager, like this
        return Cursor(self, self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value  # type: ignore[assignment]  # typeshed omits None


def connect(database: str, *, busy_timeout: float = BUSY_TIMEOUT, **kwargs: Any) -> Connection:
    """Like ``aiosqlite.connect``: an awaitable connection to ``database``."""
    kwargs.pop("iter_chunk_size", None)  # aiosqlite's; there are no chunks to fetch here
    kwargs["check_same_thread"] = False  # pooled, and closed wherever the pool is
    return Connection(lambda: sqlite3.connect(database, **kwargs), busy_timeout)


class _AdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    # The stock setter queues the change on aiosqlite's thread; there is none here.
    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.isolation_level = value


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _AdaptedConnection:
        connection: Any = await_(connect(*arg, **kw))  # aiosqlite's API, as far as it is used
        return _AdaptedConnection(self, connection)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module to hand ``create_async_engine(..., module=...)``."""
    return _DBAPI(sys.modules[__name__], sqlite3)
