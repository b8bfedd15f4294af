"""Which key ring an engine reads and writes with.

The encrypted column types see only the dialect of the connection they run on, and
each engine has a dialect of its own, so the ring is bound to the engine's dialect.
An engine with no ring bound refuses to store or read an encrypted column.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.crypto.keyring import DataKeyError, KeyRing

_RINGS: WeakKeyDictionary[Dialect, KeyRing] = WeakKeyDictionary()


def bind_keyring(engine: AsyncEngine, ring: KeyRing) -> None:
    _RINGS[engine.dialect] = ring


def keyring_of(dialect: Dialect) -> KeyRing:
    ring = _RINGS.get(dialect)
    if ring is None:
        raise DataKeyError("no data key is bound to this database engine")
    return ring


def keyring_for(conn: AsyncConnection) -> KeyRing:
    return keyring_of(conn.dialect)
