"""Column types shared by the tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from storage.crypto.binding import keyring_of


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    PostgreSQL stores ``timestamptz``. SQLite has no time zones, so the value
    is stored as naive UTC text, which also keeps the (doctor, start) unique
    index comparing like with like.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002 (signature set by TypeDecorator)
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(type(value).__name__)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Encrypted(TypeDecorator[str]):
    """Text stored encrypted under the engine's key ring (:mod:`storage.crypto`).

    ``purpose`` (``table.column``) is the associated data, so a value copied into
    another column does not decrypt. On PostgreSQL the column is ``text``; SQLite keeps
    the ``VARCHAR(length)`` the column was created with, a length it never enforced.
    """

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str, length: int | None = None) -> None:
        super().__init__()
        self.purpose = purpose
        self.length = length

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite" and self.length is not None:
            return String(self.length)
        return Text()

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).encrypt(value, self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).decrypt(value, self.purpose)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document stored encrypted, as :class:`Encrypted` stores text: the column
    stays JSON, holding one string."""

    impl = JSON
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(json.dumps(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return (
            None if value is None else json.loads(keyring_of(dialect).decrypt(value, self.purpose))
        )
