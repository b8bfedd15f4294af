"""Key rotation: re-encrypt every stored value under the ring's current key.

Each batch is one transaction of rows not yet under the current key, so a rotation
stopped half way resumes where it was: run it again. Until it finishes, the old keys
must stay in the ring; look-ups by national ID match the blind index under every key
meanwhile (:meth:`storage.patients.SqlPatients.with_national_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, cast, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto.binding import keyring_of
from storage.crypto.check import record_check
from storage.crypto.keyring import VERSION
from storage.engine import writing
from storage.tables import (
    api_stored_responses,
    appointment_status_changes,
    notifications,
    patients,
    telegram_state,
)
from storage.types import Encrypted, EncryptedJSON

TABLES = (patients, appointment_status_changes, telegram_state, notifications, api_stored_responses)


@dataclass
class Rotated:
    rows: int = 0
    batches: int = 0


async def rotate(engine: AsyncEngine, batch: int = 500) -> Rotated:
    """Re-encrypt in batches of ``batch`` rows; returns what was done."""
    done = Rotated()
    for table in TABLES:
        while count := await _rotate_batch(engine, table, batch):
            done.rows += count
            done.batches += 1
    async with writing(engine) as conn:
        await record_check(conn, keyring_of(engine.dialect))
    return done


def _encrypted_columns(table: Table) -> list[Any]:
    return [c for c in table.c if isinstance(c.type, Encrypted | EncryptedJSON)]


def _stale(table: Table, kid: str) -> ColumnElement[bool]:
    prefix = f"{VERSION}:{kid}:%"
    stale = [
        # A JSON column holds a JSON string: the value starts after its quote.
        cast(c, Text).not_like(f'"{prefix}' if isinstance(c.type, EncryptedJSON) else prefix)
        for c in _encrypted_columns(table)
    ]
    if table is patients:
        stale.append(patients.c.national_id_index.not_like(f"{kid}:%"))
    return or_(*stale)


async def _rotate_batch(engine: AsyncEngine, table: Table, size: int) -> int:
    ring = keyring_of(engine.dialect)
    keys = list(table.primary_key.columns)
    async with writing(engine) as conn:
        rows = (
            await conn.execute(select(table).where(_stale(table, ring.current.kid)).limit(size))
        ).all()
        for row in rows:
            values = {c.name: getattr(row, c.name) for c in _encrypted_columns(table)}
            if table is patients:
                values["national_id_index"] = ring.index(row.national_id)
            where = [k == getattr(row, k.name) for k in keys]
            await conn.execute(update(table).where(*where).values(**values))
    return len(rows)
