"""Typed settings from the environment and ``.env``; see the table in README.md."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.notifications import parse_offsets

_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_HOST_NAME = re.compile(r"\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+|[A-Za-z0-9.-]+")
_EXPECTED = {
    "telegram_bot_token": "a token from @BotFather, like 123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
    "telegram_bot_username": "the bot's username without @, like medbot_clinic_bot",
    "telegram_api_base_url": "an http(s) URL ending before the token, like https://api.telegram.org/bot",
    "database_url": "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db",
    "sqlite_driver": "inline or thread",
    "data_key": "base64 32-byte keys, newest first, comma-separated (medbot keys new)",
    "admin_telegram_ids": "comma-separated numeric Telegram user ids, like 111,222",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR",
    "log_format": "console or json",
    "reminder_offsets": "durations before the visit, like 24h,2h or 90s (s, m, h, d)",
    "dispatch_interval": "seconds between the outbox sender's rounds, a number > 0",
    "dispatch_batch": "rows per outbox round, 1-1000",
    "dispatch_max_attempts": "attempts before a notification is given up, >= 1",
    "dispatch_lease": "seconds a claimed notification stays claimed before a crash is assumed",
    "processing_interval": "seconds between the processing worker's rounds, a number > 0",
    "processing_max_attempts": "attempts before a booking's processing is given up, >= 1",
    "processing_lease": "seconds a claimed processing job stays claimed before a crash is assumed",
    "polling_takeover_interval": "seconds between a standing-by run's asks to poll, > 0",
    "http_host": "an address to listen on, like 127.0.0.1 or 0.0.0.0",
    "http_port": "a TCP port number, 0-65535 (0 picks a free one)",
    "api_rate_limit": "REST API calls per minute per token, >= 1",
    "api_burst": "REST API calls a token may make at once before the per-minute rate applies, >= 1",
    "telegram_max_rate": "messages per second to Telegram overall, a number >= 0 (0 = no limit)",
    "sandbox_database_url": "a database of the sandbox's own, like sqlite+aiosqlite:///./data/sandbox.db",
    "sandbox_host": "an address for the sandbox page, like 127.0.0.1",
    "sandbox_host_names": "comma-separated host names or addresses, like pc.local,192.168.1.20",
    "sandbox_port": "a TCP port number for the sandbox page, 0-65535 (0 picks a free one)",
    "telegram_webhook_url": "an https URL Telegram posts to, like https://bot.example.org/telegram/webhook",
    "telegram_webhook_secret": "1-256 characters of A-Z, a-z, 0-9, _ and -",
    "telegram_webhook_path": "a path on HTTP_PORT, like /telegram/webhook",
    "telegram_webhook_max_connections": "connections Telegram may open at once, 1-100",
    "public_url": "the https address people reach HTTP_PORT at, like https://medbot.example.org",
}


def _is_data_key(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line for a person."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    #: For invitation links made by ``medbot invite``; else asked of Telegram (getMe).
    telegram_bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
    database_url: str = "sqlite+aiosqlite:///./data/medbot.db"
    sqlite_driver: Literal["inline", "thread"] = "inline"
    #: The data keys, newest first; unset: the key file in the data directory (bot/keys.py).
    data_key: SecretStr | None = None
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"
    telegram_file_base_url: str | None = Field(default=None)
    telegram_max_rate: float = Field(default=30.0, ge=0)
    reminder_offsets: str | None = None
    dispatch_interval: float = Field(default=1.0, gt=0)
    dispatch_batch: int = Field(default=100, ge=1, le=1000)
    dispatch_max_attempts: int = Field(default=8, ge=1)
    dispatch_lease: float = Field(default=60.0, gt=0)
    processing_interval: float = Field(default=0.2, gt=0)
    processing_max_attempts: int = Field(default=6, ge=1)
    processing_lease: float = Field(default=30.0, gt=0)
    #: PostgreSQL: how often a ``medbot run`` that is not polling asks to take polling over.
    polling_takeover_interval: float = Field(default=5.0, gt=0)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    #: The REST API's rate limit per token (``docs/api.md``).
    api_rate_limit: int = Field(default=120, ge=1)
    api_burst: int = Field(default=30, ge=1)
    sandbox_database_url: str = "sqlite+aiosqlite:///./data/sandbox.db"
    sandbox_host: str = "127.0.0.1"
    sandbox_host_names: Annotated[tuple[str, ...], NoDecode] = ()
    sandbox_port: int = Field(default=8080, ge=0, le=65535)
    #: Set: Telegram posts updates here instead of the bot polling for them.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_path: str = Field(default="/telegram/webhook", pattern=r"^/[A-Za-z0-9_./-]*$")
    telegram_webhook_max_connections: int = Field(default=40, ge=1, le=100)
    #: Where people reach HTTP_PORT (doctors' calendar feed links); else this machine's.
    public_url: str | None = None
    #: Files the process keeps (a generated webhook secret); else beside the SQLite file.
    data_dir: Path | None = None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError("malformed token")
        return value

    @field_validator("data_key")
    @classmethod
    def _data_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The shape only; storage.crypto reads the keys (bot.keys), out of bot.http's reach.
        if value is not None:
            parts = value.get_secret_value().replace(",", "\n").split()
            if not parts or not all(_is_data_key(part) for part in parts):
                raise ValueError("malformed data key")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL")
        return value or None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/") if value else None

    def public_base(self, port: int) -> str:
        """``PUBLIC_URL``, else this machine's address on ``port`` (the bound one)."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::", "") else self.http_host  # noqa: S104
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("malformed secret")
        return value

    @field_validator("database_url", "sandbox_database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("unsupported database")
        return value

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str | None) -> str | None:
        if value:
            parse_offsets(value)
        return value or None

    @property
    def reminder_override(self) -> tuple[timedelta, ...] | None:
        """``REMINDER_OFFSETS`` replaces every country's offsets when set."""
        return parse_offsets(self.reminder_offsets) if self.reminder_offsets else None

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("sandbox_host_names", mode="before")
    @classmethod
    def _host_names(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, tuple | list) and not all(_HOST_NAME.fullmatch(str(n)) for n in value):
            raise ValueError("not a host name")
        return value

    @property
    def file_base_url(self) -> str:
        """Where files are fetched: ``…/file/bot`` beside the API URL, as on Telegram."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        return re.sub(r"/bot$", "/file/bot", self.telegram_api_base_url)

    @property
    def data_directory(self) -> Path:
        """``DATA_DIR``, else the SQLite file's directory, else ``./data``."""
        if self.data_dir is not None:
            return self.data_dir
        sqlite = "sqlite+aiosqlite:///"
        path = self.database_url.removeprefix(sqlite).split("?")[0]
        if self.database_url.startswith(sqlite) and path and path != ":memory:":
            return Path(path).parent
        return Path("data")


def load_settings() -> Settings:
    """Settings, or :class:`SettingsError` naming the first bad setting and what it expects."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        expected = _EXPECTED.get(field, first["msg"])
        raise SettingsError(f"setting {field.upper()} is invalid: expected {expected}") from None
