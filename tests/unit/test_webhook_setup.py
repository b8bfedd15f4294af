"""The webhook's set-up: what Telegram is asked for, and the secret kept between runs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from telegram.ext import ApplicationBuilder, DictPersistence, InlineQueryHandler

from bot.errors import StartupError
from bot.handlers import register_handlers
from bot.settings import Settings
from bot.telegram.update_types import UnknownHandler, handled_update_types
from bot.webhook_secret import load_or_create, webhook_secret

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # noqa: S105 (a made-up token)


async def _nothing(*_args: object) -> None:
    """A handler's callback."""


def test_the_bot_asks_telegram_only_for_messages_their_edits_and_button_taps() -> None:
    builder = ApplicationBuilder().token(TOKEN).updater(None).persistence(DictPersistence())
    application = builder.build()
    register_handlers(application)

    assert handled_update_types(application) == ["message", "edited_message", "callback_query"]


def test_a_handler_of_an_unknown_kind_stops_start_up_rather_than_miss_its_updates() -> None:
    application = ApplicationBuilder().token(TOKEN).updater(None).build()
    application.add_handler(InlineQueryHandler(_nothing))

    with pytest.raises(UnknownHandler, match="InlineQueryHandler"):
        handled_update_types(application)


def test_a_generated_secret_is_kept_for_its_owner_only_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret"

    first = load_or_create(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == first
    assert len(first) >= 40


def test_a_secret_file_others_could_read_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("abc_DEF-123\n")
    path.chmod(0o644)

    assert load_or_create(path) == "abc_DEF-123"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_damaged_secret_file_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("not a secret!\n")

    with pytest.raises(StartupError, match="delete it"):
        load_or_create(path)


def test_a_configured_secret_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_webhook_secret="from-the-settings",  # type: ignore[arg-type]  # noqa: S106
        data_dir=tmp_path,
    )

    assert webhook_secret(settings) == "from-the-settings"
    assert not list(tmp_path.iterdir())


def test_the_secret_lives_beside_the_sqlite_file_unless_data_dir_is_set(tmp_path: Path) -> None:
    beside = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/x/m.db")  # type: ignore[call-arg]
    elsewhere = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql+asyncpg://u@h/db",
        data_dir=tmp_path / "d",
    )

    assert beside.data_directory == tmp_path / "x"
    assert elsewhere.data_directory == tmp_path / "d"
