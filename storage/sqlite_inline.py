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
repeated, and COMMIT, which SQLite allows to be retried. WAL checkpoints, which
write and sync the database file, run on a worker thread (:class:`_Checkpoints`).

A statement that is slow in itself (the admin's statistics scan a period's
appointments) would hold the loop, so while a connection's ``off_loop`` is set
(:func:`storage.engine.off_the_loop`) its statements and fetches run on a worker
thread instead, one at a time, as aiosqlite's would.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
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


#: Commits between two WAL checkpoints. SQLite's automatic checkpoint (every 1,000
#: pages) would run inside a COMMIT on the event loop's thread and write and sync
#: the database file there, so inline connections turn it off and a worker thread
#: checkpoints instead (:class:`_Checkpoints`).
CHECKPOINT_EVERY = 500

log = logging.getLogger(__name__)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)  # extended: BUSY_RECOVERY, BUSY_SNAPSHOT…
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "database is locked" in str(error)


class _Checkpoints:
    """WAL checkpoints of one database file on a worker thread, one at a time.

    A passive checkpoint takes no lock that writers or readers wait for."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        self._connector = connector
        self._commits = 0
        self._running = False

    def committed(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._running:
            return
        self._commits, self._running = 0, True
        done = asyncio.get_running_loop().run_in_executor(None, self._checkpoint)
        done.add_done_callback(self._finished)

    def _checkpoint(self) -> None:
        conn = self._connector()
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()

    def _finished(self, done: asyncio.Future[None]) -> None:
        self._running = False
        if not done.cancelled() and done.exception() is not None:  # the next one will do
            log.warning("sqlite_checkpoint_failed: %s", type(done.exception()).__name__)


_CHECKPOINTS: dict[str, _Checkpoints] = {}


class Cursor:
    """aiosqlite's ``Cursor``, run inline; entering it opens the SQLite cursor."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._cursor: sqlite3.Cursor | Any = None

    async def __aenter__(self) -> Cursor:
        # Here, not in cursor(): SQLAlchemy maps errors raised inside this await
        # (a closed connection becomes a disconnect), as with aiosqlite.
        self._cursor = self._conn.raw.cursor()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        for row in self._cursor:
            yield row

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        await self._conn.waiting_out_locks(self._cursor.execute, sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        # Not retried: outside a transaction each row commits on its own, and a retry
        # would repeat the rows before the one that met the lock.
        self._cursor.executemany(sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        if self._conn.off_loop:
            rows: list[Any] = await asyncio.to_thread(self._cursor.fetchall)
            return rows
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

    def __init__(
        self,
        connector: Callable[[], sqlite3.Connection],
        busy_timeout: float,
        checkpoints: _Checkpoints | None,
    ) -> None:
        self._connector = connector
        self._connection: sqlite3.Connection | None = None
        self._busy_timeout = busy_timeout
        self._checkpoints = checkpoints
        #: Run statements and fetches on a worker thread (see the module docstring).
        self.off_loop = False

    def __await__(self) -> Generator[Any, None, Connection]:
        return self._open().__await__()

    async def _open(self) -> Connection:
        self._connection = await self.waiting_out_locks(self._connector)
        self._connection.execute("PRAGMA busy_timeout=0")
        if self._checkpoints is not None:
            self._connection.execute("PRAGMA wal_autocheckpoint=0")
        return self

    @property
    def raw(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")  # aiosqlite's words, which SQLAlchemy maps
        return self._connection

    async def waiting_out_locks(
        self, fn: Callable[..., Any], *args: Any, always_retriable: bool = False
    ) -> Any:
        """``fn(*args)``, retried while another connection holds the lock it needs.

        Only a statement outside a transaction is retried (nothing of it took
        effect), or one that SQLite allows to be retried, as COMMIT.
        """
        deadline: float | None = None
        backoff = _FIRST_BACKOFF
        while True:
            retriable = always_retriable or (
                self._connection is None or not self._connection.in_transaction
            )
            try:
                if self.off_loop:
                    return await asyncio.to_thread(fn, *args)
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
        return Cursor(self)

    async def commit(self) -> None:
        connection = self.raw
        if not connection.in_transaction:
            return
        # In WAL mode a COMMIT never waits; in rollback-journal mode (a file system
        # without shared memory) it may, and SQLite lets it be retried.
        await self.waiting_out_locks(connection.commit, always_retriable=True)
        if self._checkpoints is not None:
            self._checkpoints.committed()

    async def rollback(self) -> None:
        self.raw.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:  # aiosqlite's forced close, for SQLAlchemy's terminate()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.raw.create_function(*args, **kwargs)

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self.raw.isolation_level = value  # type: ignore[assignment]  # typeshed omits None


def connect(database: str, *, busy_timeout: float = BUSY_TIMEOUT, **kwargs: Any) -> Connection:
    """Like ``aiosqlite.connect``: an awaitable connection to ``database``."""
    kwargs.pop("iter_chunk_size", None)  # aiosqlite's; there are no chunks to fetch here
    kwargs["check_same_thread"] = False  # pooled, and closed wherever the pool is

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return connection

    checkpoints = None
    if database and database != ":memory:" and "mode=memory" not in database:
        checkpoints = _CHECKPOINTS.get(database)
        if checkpoints is None:
            checkpoints = _CHECKPOINTS[database] = _Checkpoints(connector)
    return Connection(connector, busy_timeout, checkpoints)


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
