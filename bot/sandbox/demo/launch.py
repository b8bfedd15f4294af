"""Sandbox mode: the stand-in, the real bot against it, its own database, and the page.

``medbot sandbox`` (and ``make run`` without a token) runs :func:`run_sandbox`; the
browser tests start a :class:`Sandbox` in-process on a fixed clock.  Either way the bot
runs on a :class:`DemoClock` over that clock, which the page can skip ahead.
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web
from pydantic import SecretStr

from bot.app import BotRuntime, serve_until_stopped
from bot.errors import StartupError
from bot.logs import configure_logging
from bot.sandbox.demo.app import init_app, serve_hosts
from bot.sandbox.demo.clock import DemoClock
from bot.sandbox.demo.database import prepare_sandbox_database
from bot.sandbox.demo.feed import Feed
from bot.sandbox.demo.people import SANDBOX_ADMIN_ID, People
from bot.sandbox.standin.driver import BotApiStandIn
from bot.settings import Settings
from domain.ports import Clock

LOOPBACK = "127.0.0.1"


class Sandbox:
    """Everything sandbox mode runs, started and stopped as a unit."""

    def __init__(self, settings: Settings, base_clock: Clock | None = None) -> None:
        """``base_clock`` is where the demo clock starts from: real UTC time when ``None``."""
        self.settings = settings
        self.clock = DemoClock(base_clock)
        self.api: BotApiStandIn | None = None
        self.runtime: BotRuntime | None = None
        self.people: People | None = None
        self.feed: Feed | None = None
        self._web: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        host = self.settings.sandbox_host
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 -- compared, not bound
        return f"http://{shown}:{self.port}/"

    async def start(self) -> None:
        await prepare_sandbox_database(
            self.settings.sandbox_database_url, self.settings.database_url, self.settings.data_key
        )
        try:
            # A token of its own each run: a page of another site cannot know it.
            token = f"123456789:SANDBOX-{secrets.token_urlsafe(18)}"
            self.api = BotApiStandIn(token, host=LOOPBACK)
        except FileNotFoundError as error:
            raise StartupError(
                f"the Bot API spec the stand-in checks against is missing: {error}"
            ) from None
        await self.api.start()
        self.people = People(self.api)
        self.people.add_personas()
        self.runtime = BotRuntime(self._bot_settings(self.api), self.clock)
        await self.runtime.start()
        self.feed = Feed(self.api, self.people, self.clock)
        self.feed.start()
        page = init_app(self.api, self.people, self.feed, self.clock)
        self._web = web.AppRunner(
            page,
            access_log=None,
            shutdown_timeout=1.0,
        )
        await self._web.setup()
        site = web.TCPSite(self._web, self.settings.sandbox_host, self.settings.sandbox_port)
        try:
            await site.start()
        except OSError as error:
            raise StartupError(
                f"cannot listen on {self.settings.sandbox_host}:{self.settings.sandbox_port} "
                f"for the sandbox page ({error.strerror}): set SANDBOX_PORT"
            ) from None
        self.port = int(self._web.addresses[0][1])
        names = (self.settings.sandbox_host, *self.settings.sandbox_host_names)
        serve_hosts(page, names, self.port)

    def _bot_settings(self, api: BotApiStandIn) -> Settings:
        """The real bot's settings, pointed at the stand-in and the sandbox database."""
        admins = tuple(dict.fromkeys((*self.settings.admin_telegram_ids, SANDBOX_ADMIN_ID)))
        return self.settings.model_copy(
            update={
                "telegram_bot_token": SecretStr(api.token),
                "telegram_api_base_url": api.base_url,
                "telegram_file_base_url": api.base_file_url,
                "database_url": self.settings.sandbox_database_url,
                "admin_telegram_ids": admins,
                "http_host": LOOPBACK,
                "http_port": 0,  # the page has the configured port; health checks take any
            }
        )

    async def stop(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self.feed is not None:
            await self.feed.stop()
            self.feed = None
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None
        if self.api is not None:
            await self.api.stop()
            self.api = None


async def run_sandbox(settings: Settings, *, announce: str) -> None:
    """Run sandbox mode until SIGTERM or SIGINT; print one line with the page's address."""
    level = settings.log_level if "log_level" in settings.model_fields_set else "WARNING"
    configure_logging(level, settings.log_format)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    sandbox = Sandbox(settings)

    async def start() -> None:
        await sandbox.start()
        print(f"{announce}; open {sandbox.url}", flush=True)  # noqa: T201 -- the one line

    await serve_until_stopped(start, sandbox.stop)
