"""Telegram's webhook: updates POSTed to ``TELEGRAM_WEBHOOK_PATH`` on the one HTTP server.

A request without the secret Telegram was given (``X-Telegram-Bot-Api-Secret-Token``,
compared in constant time) is answered 403 and not looked at; a body that is not an
update, 400. An update is acknowledged (200) once it is in hand: on python-telegram-
bot's update queue, which a stopping application empties before it stops. While the
application is not running, 503, so Telegram keeps the update and sends it again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.metrics import WEBHOOK_REJECTED, telegram_seen

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header's name)
#: Seconds between getWebhookInfo calls: well inside /readyz's 60 s window.
WATCH_INTERVAL = 20.0


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where accepted updates go, and the secret a request must carry."""

    application: Application  # type: ignore[type-arg]
    secret: str


WEBHOOK = web.AppKey("webhook", WebhookTarget)


async def receive(request: web.Request) -> web.Response:
    target = request.app.get(WEBHOOK)
    if target is None or not target.application.running:
        return web.Response(status=503)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), target.secret.encode()):
        WEBHOOK_REJECTED.labels("secret").inc()
        log.warning("webhook_rejected", cause="secret")
        return web.Response(status=403)
    telegram_seen()  # for /readyz: a call with the secret is Telegram's
    update = _parse(await request.read(), target.application)
    if update is None:
        WEBHOOK_REJECTED.labels("malformed").inc()
        log.warning("webhook_rejected", cause="malformed")
        return web.Response(status=400)
    await target.application.update_queue.put(update)
    return web.Response()


def _parse(body: bytes, application: Application) -> Update | None:  # type: ignore[type-arg]
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, application.bot)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def add_webhook_route(app: web.Application, path: str) -> None:
    """Serve the webhook; ``app[WEBHOOK]`` is set once the bot has started."""
    app.router.add_post(path, receive)


async def keep_in_touch(bot: Bot, interval: float = WATCH_INTERVAL) -> None:
    """getWebhookInfo every ``interval`` seconds, until cancelled. Telegram calls a
    webhook only when there is an update, so an idle bot would otherwise not reach it
    for minutes and read as unready (each answered call marks Telegram seen); and a
    new delivery error Telegram reports is logged (its text names no person)."""
    reported = None
    while True:
        await asyncio.sleep(interval)
        try:
            info = await bot.get_webhook_info()
        except TelegramError as error:
            log.warning("webhook_info_failed", error=type(error).__name__)
            continue
        if info.last_error_date is not None and info.last_error_date != reported:
            reported = info.last_error_date
            log.warning(
                "webhook_delivery_failing",
                error=info.last_error_message,
                pending=info.pending_update_count,
            )
