"""The webhook's secret: ``TELEGRAM_WEBHOOK_SECRET``, or one generated once and kept.

A generated secret lives in the data directory (``DATA_DIR``, else beside the SQLite
file), readable by its owner only, and is reused on every restart, so the webhook
Telegram already holds keeps working.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

import structlog

from bot.errors import StartupError
from bot.settings import Settings

log = structlog.get_logger(__name__)

FILE_NAME = "telegram-webhook-secret"
#: What Telegram accepts as a secret_token.
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_secret(settings: Settings) -> str:
    """The configured secret, else the kept one, else a new one, kept from now on."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    return load_or_create(settings.data_directory / FILE_NAME)


def load_or_create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    secret = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(secret + "\n")
    log.info("webhook_secret_created", path=str(path))
    return secret


def _read(path: Path) -> str:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
        log.warning("webhook_secret_mode_tightened", path=str(path))
    secret = path.read_text(encoding="ascii").strip()
    if not SECRET.fullmatch(secret):
        raise StartupError(
            f"{path} does not hold a webhook secret (1-256 of A-Z, a-z, 0-9, _ and -): "
            "delete it to have a new one made"
        )
    return secret
