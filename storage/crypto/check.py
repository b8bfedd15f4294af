"""The key check: does this key ring open this database?"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.crypto.keyring import DataKeyError, KeyRing
from storage.engine import reading, writing
from storage.tables import data_keys

CHECK = "medbot data key check"
PURPOSE = "data_keys"


class WrongKey(Exception):
    """The data key given does not open this database; one line for the operator."""


async def has_check(engine: AsyncEngine) -> bool:
    """Whether data has been encrypted in this database under some key."""
    async with reading(engine) as conn:
        return (await conn.execute(select(data_keys.c.id))).first() is not None


async def check_keyring(engine: AsyncEngine, ring: KeyRing) -> None:
    """Record the check on first use; else raise :class:`WrongKey` unless it opens.

    Two processes starting at once on a new database (``medbot run`` and a
    ``medbot worker``) may both find no check: the second one's insert meets the
    first's row, and it then checks its key against that row like any later start.
    """
    try:
        async with writing(engine) as conn:
            stored = (await conn.execute(select(data_keys.c.check_value))).scalar()
            if stored is None:
                await conn.execute(
                    insert(data_keys).values(id=1, check_value=ring.encrypt(CHECK, PURPOSE))
                )
                return
    except IntegrityError:
        async with reading(engine) as conn:
            stored = (await conn.execute(select(data_keys.c.check_value))).scalar_one()
    try:
        opened = ring.decrypt(stored, PURPOSE)
    except DataKeyError:
        opened = None
    if opened != CHECK:
        raise WrongKey("the data key does not open this database's encrypted data")


async def record_check(conn: AsyncConnection, ring: KeyRing) -> None:
    """After a rotation: the check under the current key."""
    await conn.execute(update(data_keys).values(check_value=ring.encrypt(CHECK, PURPOSE)))
