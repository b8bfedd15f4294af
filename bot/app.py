"""The composition root: settings, engine, services and the Telegram application."""

from __future__ import annotations

import asyncio
import signal
from datetime import date, datetime, timedelta

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.database import open_database
from bot.errors import StartupError
from bot.handlers import publish_commands, register_handlers
from bot.http.health import start_web
from bot.i18n import LANGUAGES, Translator
from bot.logs import configure_logging
from bot.settings import Settings
from bot.telegram.context import SERVICES_KEY, Services
from bot.telegram.persistence import DatabasePersistence
from bot.telegram.transport import AiohttpRequest
from bot.telegram.updates import PerChatUpdateProcessor
from bot.workers.outbox_sender import Dispatcher, DispatchSettings
from domain.clock import SystemClock
from domain.countries import all_countries
from domain.ports import Clock
from storage.outbox import OutboxStore
from storage.telegram_state import TelegramStateStore

log = structlog.get_logger(__name__)


def build_application(settings: Settings, engine: AsyncEngine, clock: Clock) -> Application:  # type: ignore[type-arg]
    if settings.telegram_bot_token is None:
        raise StartupError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its "
            "token in .env or the environment (see README.md, Settings)"
        )
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .persistence(DatabasePersistence(TelegramStateStore(engine), update_interval=1.0))
        .concurrent_updates(PerChatUpdateProcessor())
        # aiohttp rather than PTB's httpx: a Bot API call costs a fraction of the CPU.
        # PTB's default is one connection: every reply and notification would queue on it.
        .request(AiohttpRequest(64, pool_timeout=10.0))
        .get_updates_request(AiohttpRequest(1))
        .post_init(publish_commands)
    )
    if settings.telegram_max_rate > 0:
        limiter = AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB's generic default
    application = builder.build()
    application.bot_data[SERVICES_KEY] = Services(engine, clock, settings)
    register_handlers(application)
    schedule_dispatcher(application, settings, engine, clock)
    return application


def schedule_dispatcher(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
) -> Dispatcher:
    dispatcher = Dispatcher(
        OutboxStore(engine),
        application.bot,
        clock,
        DispatchSettings(
            batch=settings.dispatch_batch,
            max_attempts=settings.dispatch_max_attempts,
            lease=timedelta(seconds=settings.dispatch_lease),
            max_rate=settings.telegram_max_rate * 29 / 30,
            admins=settings.admin_telegram_ids,
        ),
    )

    async def tick(_context: object) -> None:
        await dispatcher.tick()

    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    application.job_queue.run_repeating(
        tick,
        interval=settings.dispatch_interval,
        first=settings.dispatch_interval,
        name="dispatch",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    return dispatcher


def warm_up(now: datetime) -> None:
    """Load what the first people would otherwise wait for: each country's holidays for
    this year and the next (the booking horizon crosses New Year in December), and
    Babel's locale data. Holidays are compiled on first use: about 0.2 s of CPU."""
    for country in all_countries():
        for year in (now.year, now.year + 1):
            country.is_holiday(date(year, 1, 1))
    for language in LANGUAGES:
        Translator(language).day(now)


class BotRuntime:
    """The bot, started and stopped as a unit (by ``medbot run`` and by the tests).

    With ``polling=False`` it only delivers the outbox (``medbot dispatch``): a second
    worker beside ``medbot run`` that shares the notifications table (on PostgreSQL
    claims skip each other's rows) and never calls getUpdates, which Telegram allows
    to one caller per bot.
    """

    def __init__(
        self, settings: Settings, clock: Clock | None = None, *, polling: bool = True
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.polling = polling
        self.engine: AsyncEngine | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self.web: web.AppRunner | None = None
        self.http_port: int | None = None

    async def start(self) -> None:
        self.engine = await open_database(
            self.settings.database_url, sqlite_driver=self.settings.sqlite_driver
        )
        self.application = build_application(self.settings, self.engine, self.clock)
        warm_up(self.clock.now())
        await self.application.initialize()
        if self.polling and self.application.post_init:
            await self.application.post_init(self.application)
        await self.application.start()
        if self.application.updater is None:
            raise RuntimeError("the application was built without an updater")
        if self.polling:
            await self.application.updater.start_polling(poll_interval=0.0, timeout=10)
        self.web, self.http_port = await start_web(
            self.engine, self.settings.http_host, self.settings.http_port
        )
        log.info(
            "bot_started" if self.polling else "dispatcher_started",
            backend=self.engine.dialect.name,
            http_port=self.http_port,
        )

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.cleanup()
            self.web = None
        if self.application is not None:
            if self.application.updater and self.application.updater.running:
                await self.application.updater.stop()
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()
            self.application = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None
        log.info("bot_stopped")


async def run(settings: Settings, *, polling: bool = True) -> None:
    """Run until SIGTERM or SIGINT, then finish the updates in hand and stop."""
    configure_logging(settings.log_level, settings.log_format)
    runtime = BotRuntime(settings, polling=polling)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await runtime.start()
        await stop.wait()
    finally:
        await runtime.stop()
