"""Engine construction: one place that knows SQLite's and PostgreSQL's quirks."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.crypto.binding import bind_keyring
from storage.crypto.keyring import KeyRing
from storage.sqlite_inline import BUSY_TIMEOUT
from storage.sqlite_inline import Connection as InlineConnection
from storage.sqlite_inline import dbapi as sqlite_inline_dbapi

#: Execution option read by the SQLite ``begin`` hook: ``IMMEDIATE`` (the
#: default) takes the write lock up front, so a transaction that reads and
#: then writes waits its turn instead of failing with ``database is locked``.
#: :data:`NO_BEGIN` emits no ``BEGIN`` at all (see :func:`read_only`).
SQLITE_BEGIN = "medbot_sqlite_begin"
NO_BEGIN = "none"


async def read_only(conn: AsyncConnection) -> AsyncConnection:
    """``conn`` for reads that need no snapshot across statements.

    Each statement runs in its own implicit transaction and sees one committed
    snapshot, as under PostgreSQL's READ COMMITTED; the connection skips the
    ``BEGIN`` and ``ROLLBACK`` round trips (on PostgreSQL, in autocommit mode; on
    SQLite, with no ``BEGIN``, so it never takes the write lock either).
    """
    if conn.dialect.name == "sqlite":
        return await conn.execution_options(**{SQLITE_BEGIN: NO_BEGIN})
    return await conn.execution_options(isolation_level="AUTOCOMMIT")


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads, see :func:`read_only`."""
    async with engine.connect() as plain:
        yield await read_only(plain)


@asynccontextmanager
async def off_the_loop(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """``conn``, whose statements in this block run off the event loop's thread.

    For queries slow in themselves (the admin's statistics): with the inline SQLite
    driver they would otherwise hold the loop (:mod:`storage.sqlite_inline`). aiosqlite's
    thread and PostgreSQL's server are off the loop already.
    """
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, InlineConnection):
        yield conn
        return
    driver.off_loop = True
    try:
        yield conn
    finally:
        driver.off_loop = False


def create_engine(
    url: str, *, sqlite_inline: bool = True, keyring: KeyRing | None = None, **kwargs: Any
) -> AsyncEngine:
    """An async engine for ``url``; for SQLite, with WAL, foreign keys and a busy timeout.

    SQLite statements run on the event loop's thread (:mod:`storage.sqlite_inline`)
    unless ``sqlite_inline`` is false, which keeps aiosqlite's own thread. ``keyring``
    encrypts and decrypts the encrypted columns (else bind one later:
    :func:`storage.crypto.binding.bind_keyring`).
    """
    engine = _create_engine(url, sqlite_inline=sqlite_inline, **kwargs)
    if keyring is not None:
        bind_keyring(engine, keyring)
    return engine


def _create_engine(url: str, *, sqlite_inline: bool, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    # Statement parameters carry patient data; keep them out of errors and logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        _private_file(Path(parsed.database))
    if sqlite_inline:
        kwargs.setdefault("module", sqlite_inline_dbapi())
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    if not sqlite_inline:
        event.listen(engine.sync_engine, "connect", _busy_timeout)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would make it 0644 under the
    usual umask); SQLite gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let our "begin" hook emit BEGIN instead of the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    # On aiosqlite's thread SQLite's own busy handler may sleep; the inline driver
    # waits for locks itself, in asyncio.sleep steps (storage.sqlite_inline).
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    if mode != NO_BEGIN:
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


_WRITE_LOCKS: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


def write_turn(engine: AsyncEngine) -> AbstractAsyncContextManager[object]:
    """Take turns for SQLite's single writer inside this process.

    Without it, concurrent writers wait in SQLite's busy handler, which polls
    and lets some wait for seconds while others go ahead (and past the busy
    timeout, fail with "database is locked"). An asyncio lock queues them
    fairly instead. PostgreSQL needs no turn.
    """
    if not is_sqlite(engine):
        return nullcontext()
    lock = _WRITE_LOCKS.get(engine.sync_engine)
    if lock is None:
        lock = _WRITE_LOCKS[engine.sync_engine] = asyncio.Lock()
    return lock


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction, taking its turn on SQLite (see :func:`write_turn`)."""
    async with write_turn(engine), engine.begin() as conn:
        yield conn
