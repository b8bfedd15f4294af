"""Where a person's values are still stored: every column of every table, read back."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import metadata


async def traces_of(engine: AsyncEngine, texts: list[str], number: int) -> list[str]:
    """``table.column`` of every value that holds one of ``texts``, or ``number``
    (equal to it, or written in a text: a chat id in a dedupe key, a JSON key)."""
    wanted = [*texts, str(number)]
    found = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if _holds(value, wanted, number):
                        found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


def _holds(value: object, wanted: list[str], number: int) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == number
    if isinstance(value, dict | list):
        written = [json.dumps(value), json.dumps(value, ensure_ascii=False)]
    else:
        written = [str(value)]
    return any(w in text for w in wanted for text in written)
