"""Where the data key comes from: ``DATA_KEY``, or the key file in the data directory.

With neither, and no encrypted data in the database yet, a key is generated into the
key file (mode 0600) and the log says once to back it up. With encrypted data and no
key, or a key that does not open it, start-up stops with one line.
"""

from __future__ import annotations

import os
from pathlib import Path

import structlog
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StartupError
from storage.crypto.binding import bind_keyring
from storage.crypto.check import WrongKey, check_keyring, has_check
from storage.crypto.keyring import DataKeyError, KeyRing, new_key

log = structlog.get_logger(__name__)

KEY_FILE = "medbot.key"


def key_file(database_url: str) -> Path:
    """Next to the SQLite database; ``./data/medbot.key`` for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / KEY_FILE
    return Path("data") / KEY_FILE


def read_keyring(database_url: str, data_key: SecretStr | None) -> KeyRing | None:
    """The ring from ``DATA_KEY`` or the key file; ``None`` if there is neither."""
    path = key_file(database_url)
    source = "DATA_KEY" if data_key is not None else str(path)
    try:
        if data_key is not None:
            return KeyRing.parse(data_key.get_secret_value())
        if path.exists():
            return KeyRing.parse(path.read_text(encoding="ascii"))
    except (DataKeyError, OSError, UnicodeDecodeError) as error:
        raise StartupError(f"cannot read the data key ({source}): {error}") from None
    return None


def generate_key_file(database_url: str, *, announce: bool = True) -> KeyRing:
    """A new key in the key file (0600); ``announce``: log once to back it up."""
    path = key_file(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    if announce:
        log.warning(
            "data_key_generated",
            path=str(path),
            hint="back this file up: without it the patients' data cannot be read",
        )
    return KeyRing.parse(key)


async def unlock(engine: AsyncEngine, database_url: str, data_key: SecretStr | None) -> KeyRing:
    """Bind the data key to ``engine``, after checking it opens the database."""
    ring = read_keyring(database_url, data_key)
    if ring is None:
        if await has_check(engine):
            raise StartupError(
                f"no data key for this database's encrypted data: set DATA_KEY or restore "
                f"{key_file(database_url)}"
            )
        ring = generate_key_file(database_url)
    try:
        await check_keyring(engine, ring)
    except WrongKey as error:
        raise StartupError(f"{error}: check DATA_KEY or {key_file(database_url)}") from None
    bind_keyring(engine, ring)
    return ring
