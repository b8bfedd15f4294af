"""The composition root: builds settings, engine and services, and runs them."""

from __future__ import annotations

import structlog

from bot.cli import CliError
from bot.database import open_database
from bot.logs import configure_logging
from bot.settings import Settings

log = structlog.get_logger(__name__)


async def run(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format)
    engine = await open_database(settings.database_url)
    try:
        log.info("database_ready", backend=engine.dialect.name)
        if settings.telegram_bot_token is None:
            raise CliError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its "
                "token in .env or the environment (see README.md, Settings)"
            )
    finally:
        await engine.dispose()
