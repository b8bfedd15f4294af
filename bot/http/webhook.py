"""Telegram's webhook: updates POSTed to ``TELEGRAM_WEBHOOK_PATH`` on the one HTTP server.

A request without the secret Telegram was given (``X-Telegram-Bot-Api-Secret-Token``,
compared in constant time) is answered 403 and not looked at; a body that is not an
update, 400. An update is acknowledged (200) once it is in hand: on python-telegram-
bot's update queue, which a stopping application empties before it stops. While the
application is not running, 503, so Telegram keeps the update and sends it again.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.metrics import WEBHOOK_REJECTED, telegram_seen

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header's name)


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
        log.warning("webhook_rejected", reason="secret")
        return web.Response(status=403)
    telegram_seen()  # for /readyz: a call with the secret is Telegram's
    update = _parse(await request.read(), target.application)
    if update is None:
        WEBHOOK_REJECTED.labels("malformed").inc()
        log.warning("webhook_rejected", reason="malformed")
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
