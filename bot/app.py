"""The composition root: builds ``Deps`` once and owns the process's lifecycle.

``init_app`` returns the aiohttp application of ``medbot run``. Its ``cleanup_ctx``
brings up, in order, the database, the Telegram application, the workers and
polling (or, with ``TELEGRAM_WEBHOOK_URL``, the webhook), and takes them down in
reverse when the server stops; ``serve_until_stopped``
stops it on SIGTERM or SIGINT, the one way ``medbot run`` and ``medbot sandbox`` end.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.database import open_database
from bot.errors import StartupError
from bot.handlers import publish_commands, register_handlers
from bot.http.api import add_api_routes
from bot.http.calendar_feed import add_calendar_feed_route
from bot.http.fhir import add_fhir_routes
from bot.http.health import ENGINE, add_routes
from bot.http.webhook import WEBHOOK, WebhookTarget, add_webhook_route, keep_in_touch
from bot.i18n import LANGUAGES, Translator
from bot.logs import configure_logging
from bot.metrics import telegram_seen
from bot.settings import Settings
from bot.telegram.context import DEPS_KEY, PUBLIC_URL_KEY, BotContext
from bot.telegram.persistence import DatabasePersistence
from bot.telegram.polling import PollingTurn
from bot.telegram.transport import AiohttpRequest
from bot.telegram.update_types import handled_update_types
from bot.telegram.updates import PerChatUpdateProcessor
from bot.webhook_secret import webhook_secret
from bot.workers.outbox_sender import OutboxSender, SenderSettings
from bot.workers.processor import Processor, ProcessorSettings
from domain.audit import Source
from domain.clock import SystemClock
from domain.countries import all_countries
from domain.ports import Clock, Deps, UnitOfWork
from domain.queries import booking_is_open
from storage.directory_cache import DirectoryCache
from storage.jobs import JobStore
from storage.outbox import OutboxStore
from storage.polling_lock import PollingLock
from storage.telegram_state import TelegramStateStore
from storage.unit_of_work import SqlUnitOfWork

log = structlog.get_logger(__name__)

#: How long a stopping process waits for the outbox round in hand: well inside the 10 s
#: Docker and systemd give a process between SIGTERM and SIGKILL.
ROUND_GRACE = 5.0


@dataclass(frozen=True, slots=True)
class Launch:
    """What ``init_app`` was asked to run."""

    settings: Settings
    clock: Clock
    polling: bool  # False: only work the queues (``medbot worker``)

    @property
    def webhook(self) -> bool:
        """Updates come by webhook rather than by polling."""
        return self.polling and self.settings.telegram_webhook_url is not None


LAUNCH = web.AppKey("launch", Launch)
DEPS = web.AppKey("deps", Deps)
TELEGRAM = web.AppKey("telegram", Application)
POLLING_LOCK = web.AppKey("polling_lock", PollingLock)


def build_deps(
    engine: AsyncEngine,
    clock: Clock,
    reminder_offsets: tuple[timedelta, ...] | None = None,
    *,
    admin_ids: tuple[int, ...] = (),
    source: Source = Source.BOT,
) -> Deps:
    """What every use case and query takes, over one engine and one directory cache."""
    directory = DirectoryCache()

    def uow(*, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(engine, read_only=read_only, directory=directory)

    return Deps(
        uow=uow,
        clock=clock,
        reminder_offsets=reminder_offsets,
        admin_ids=frozenset(admin_ids),
        source=source,
    )


def build_telegram(settings: Settings, deps: Deps, engine: AsyncEngine) -> Application:  # type: ignore[type-arg]
    """The python-telegram-bot application, with every handler registered."""
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
        .context_types(ContextTypes(context=BotContext))
        .persistence(
            DatabasePersistence(TelegramStateStore(engine, deps.clock), update_interval=1.0)
        )
        .concurrent_updates(processor := PerChatUpdateProcessor())
        # aiohttp rather than PTB's httpx: a Bot API call costs a fraction of the CPU.
        # PTB's default is one connection: every reply and notification would queue on it.
        .request(AiohttpRequest(64, pool_timeout=10.0, on_success=telegram_seen))
        .get_updates_request(AiohttpRequest(1, on_success=telegram_seen))
        .job_queue(None)
        .post_init(publish_commands)
    )
    if settings.telegram_webhook_url:  # updates arrive on the HTTP server, not by polling
        builder = builder.updater(None)
    if settings.telegram_max_rate > 0:
        limiter = AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB's generic default
    application = builder.build()
    application.bot_data[DEPS_KEY] = deps
    application.bot_data[PUBLIC_URL_KEY] = settings.public_base(settings.http_port)
    processor.on_dropped = _asked_to_wait(application)
    register_handlers(application)
    return application


def _asked_to_wait(application: Application) -> Callable[[Update], Awaitable[None]]:  # type: ignore[type-arg]
    """Tell a chat whose backlog is full, once, in its Telegram language, to wait."""

    async def ask(update: Update) -> None:
        user, chat = update.effective_user, update.effective_chat
        if chat is None:
            return
        t = Translator(user.language_code[:2] if user and user.language_code else None)
        with contextlib.suppress(TelegramError):  # best effort: the updates are dropped anyway
            await application.bot.send_message(chat.id, t("text.busy"))

    return ask


def warm_up(now: datetime) -> None:
    """Load what the first people would otherwise wait for: each country's holidays for
    this year and the next (the booking horizon crosses New Year in December), and
    Babel's locale data. Holidays are compiled on first use: about 0.2 s of CPU."""
    for country in all_countries():
        for year in (now.year, now.year + 1):
            country.is_holiday(date(year, 1, 1))
    for language in LANGUAGES:
        Translator(language).day(now)


async def _database(app: web.Application) -> AsyncIterator[None]:
    launch = app[LAUNCH]
    engine = await open_database(
        launch.settings.database_url,
        sqlite_driver=launch.settings.sqlite_driver,
        data_key=launch.settings.data_key,
    )
    app[ENGINE] = engine
    app[DEPS] = build_deps(
        engine,
        launch.clock,
        launch.settings.reminder_override,
        admin_ids=launch.settings.admin_telegram_ids,
    )
    if not await booking_is_open(app[DEPS]):
        log.warning(
            "clinic_not_set_up",
            hint="no doctors yet, so booking is closed: run `medbot clinic import FILE` "
            "(README: Setting the clinic up)",
        )
    yield
    await engine.dispose()


async def _telegram(app: web.Application) -> AsyncIterator[None]:
    """The Telegram application, started; stopped and shut down even if start-up fails."""
    launch = app[LAUNCH]
    application = build_telegram(launch.settings, app[DEPS], app[ENGINE])
    warm_up(launch.clock.now())
    await application.initialize()
    try:
        if launch.polling and application.post_init:
            await application.post_init(application)
        await application.start()
        app[TELEGRAM] = application
        yield
    finally:
        if application.running:
            await application.stop()  # the updates in hand finish; state is flushed
        await application.shutdown()


async def _polling_lock(app: web.Application) -> AsyncIterator[None]:
    """The right to poll (``storage/polling_lock.py``). Released last but the database,
    after the updates in hand finished and state was flushed, so whoever takes over
    reads it all."""
    lock = PollingLock(app[ENGINE])
    app[POLLING_LOCK] = lock
    yield
    await lock.release()


async def _polling(app: web.Application) -> AsyncIterator[None]:
    """getUpdates once the polling lock is ours, unless only working the queues (or
    the webhook, with ``TELEGRAM_WEBHOOK_URL``); it stops first, so no update arrives
    mid-stop."""
    if app[LAUNCH].webhook:
        async with _webhook(app):
            yield
        return
    updater = app[TELEGRAM].updater
    stopping = asyncio.Event()
    turn = None
    if app[LAUNCH].polling:
        if updater is None:
            raise RuntimeError("the application was built without an updater")
        allowed = handled_update_types(app[TELEGRAM])
        start = partial(
            updater.start_polling, poll_interval=0.0, timeout=10, allowed_updates=allowed
        )
        retry = app[LAUNCH].settings.polling_takeover_interval
        turn = asyncio.create_task(
            PollingTurn(app[TELEGRAM], app[POLLING_LOCK], start, retry=retry).run(stopping)
        )
    yield
    stopping.set()
    if turn is not None:
        await turn
    if updater is not None and updater.running:
        await updater.stop()


@asynccontextmanager
async def _webhook(app: web.Application) -> AsyncIterator[None]:
    """Register the webhook and accept updates on it. It stays registered on stop:
    Telegram keeps the updates meanwhile, and the HTTP server has already stopped
    taking requests when the application stops."""
    settings, application = app[LAUNCH].settings, app[TELEGRAM]
    secret = webhook_secret(settings)
    app[WEBHOOK] = WebhookTarget(application, secret)
    await application.bot.set_webhook(
        str(settings.telegram_webhook_url),
        secret_token=secret,
        allowed_updates=handled_update_types(application),
        max_connections=settings.telegram_webhook_max_connections,
    )
    log.info("webhook_registered", path=settings.telegram_webhook_path)
    watcher = asyncio.create_task(keep_in_touch(application.bot))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _workers(app: web.Application) -> AsyncIterator[None]:
    launch, settings = app[LAUNCH], app[LAUNCH].settings
    sender = OutboxSender(
        OutboxStore(app[ENGINE]),
        app[TELEGRAM].bot,
        launch.clock,
        SenderSettings(
            batch=settings.dispatch_batch,
            max_attempts=settings.dispatch_max_attempts,
            lease=timedelta(seconds=settings.dispatch_lease),
            max_rate=settings.telegram_max_rate * 29 / 30,
            admins=settings.admin_telegram_ids,
        ),
    )
    processor = Processor(
        JobStore(app[ENGINE]),
        app[DEPS],
        ProcessorSettings(
            lease=timedelta(seconds=settings.processing_lease),
            max_attempts=settings.processing_max_attempts,
        ),
    )
    stopping = asyncio.Event()
    tasks = [
        asyncio.create_task(sender.run(settings.dispatch_interval, stopping)),
        asyncio.create_task(processor.run(settings.processing_interval, stopping)),
    ]
    yield
    stopping.set()
    _done, abandoned = await asyncio.wait(tasks, timeout=ROUND_GRACE)
    for task in abandoned:  # rows still claimed go back to their queue when leases end
        task.cancel()
        log.warning("worker_round_abandoned")


def init_app(settings: Settings, clock: Clock, *, polling: bool = True) -> web.Application:
    """The process's aiohttp application: health and metrics, and the bot's lifecycle."""
    app = web.Application()
    app[LAUNCH] = Launch(settings, clock, polling)
    app.cleanup_ctx.extend([_database, _polling_lock, _telegram, _workers, _polling])
    add_routes(app, telegram=polling)
    add_api_routes(app, DEPS, settings)
    add_fhir_routes(app, DEPS, settings)
    add_calendar_feed_route(app, DEPS)
    if app[LAUNCH].webhook:
        add_webhook_route(app, settings.telegram_webhook_path)
    return app


class BotRuntime:
    """The bot, started and stopped as a unit (by ``medbot run``, the sandbox and tests).

    With ``polling=False`` it only works the queues (``medbot worker``): bookings'
    processing and the outbox, beside ``medbot run`` on the same tables (on PostgreSQL
    claims skip each other's rows). It never calls getUpdates, which Telegram allows
    to one caller per bot.
    """

    def __init__(
        self, settings: Settings, clock: Clock | None = None, *, polling: bool = True
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.polling = polling
        self.runner: web.AppRunner | None = None
        self.http_port: int | None = None

    async def start(self) -> None:
        app = init_app(self.settings, self.clock, polling=self.polling)
        self.runner = web.AppRunner(app, access_log=None)
        try:
            await self.runner.setup()
            site = web.TCPSite(self.runner, self.settings.http_host, self.settings.http_port)
            await site.start()
        except BaseException:
            await self.stop()
            raise
        self.http_port = int(self.runner.addresses[0][1])
        if TELEGRAM in app:  # with HTTP_PORT=0, the port is known only now
            app[TELEGRAM].bot_data[PUBLIC_URL_KEY] = self.settings.public_base(self.http_port)
        log.info(
            "bot_started" if self.polling else "worker_started",
            backend=app[ENGINE].dialect.name,
            http_port=self.http_port,
        )

    async def stop(self) -> None:
        if self.runner is not None:
            runner, self.runner = self.runner, None
            await runner.cleanup()
            log.info("bot_stopped")


async def serve_until_stopped(
    start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
) -> None:
    """Start, wait for SIGTERM or SIGINT, stop: the one way the long-running commands end."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await start()
        await stopping.wait()
    finally:
        await stop()


async def run(settings: Settings, *, polling: bool = True) -> None:
    """Run until SIGTERM or SIGINT, then finish the updates in hand and stop."""
    configure_logging(settings.log_level, settings.log_format)
    runtime = BotRuntime(settings, polling=polling)
    await serve_until_stopped(runtime.start, runtime.stop)
