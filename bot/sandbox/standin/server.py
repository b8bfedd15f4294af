"""The stand-in served over HTTP, like ``api.telegram.org``.

``POST|GET /bot<token>/<method>`` with a JSON, urlencoded or multipart body, and
``GET /file/bot<token>/<file_path>`` for downloads.  Each call goes through: token check
(401), method lookup (404), spec check (400, recorded as a violation), injected faults,
then the method's handler; every call lands in the request journal.

Only programs on this machine may call it, never a web page: a request whose ``Host``
does not name the stand-in (127.0.0.1, localhost, [::1] or its own host, at its port),
so a DNS-rebound name, or that a browser marks as coming from a page of another site
(an ``Origin`` or ``Referer`` other than the stand-in's own, ``Sec-Fetch-Site`` other
than ``same-origin`` or ``none``), is answered 403 before anything else, and not
journaled. Bot API clients send none of those headers. So a page open in the sandbox
user's browser can neither post into a chat nor take the bot's long poll, even with a
form post, which needs no CORS preflight.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.sandbox.standin.api_messages import MESSAGE_METHODS
from bot.sandbox.standin.api_settings import SETTINGS_METHODS
from bot.sandbox.standin.api_updates import UPDATE_METHODS
from bot.sandbox.standin.errors import ApiError, bad_request, not_found, unauthorized
from bot.sandbox.standin.faults import Faults
from bot.sandbox.standin.files import Upload
from bot.sandbox.standin.journal import Journal, Violation
from bot.sandbox.standin.spec import BotApiSpec
from bot.sandbox.standin.state import Call, Handler, SandboxState
from bot.sandbox.standin.world import Profile

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:SANDBOX-medbot-stand-in-token"  # noqa: S105 -- fake, local only
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_SAME_SITE = {"same-origin", "none"}  # Sec-Fetch-Site of the stand-in's own or no page
_Next = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HANDLERS: dict[str, Handler] = {
    name.lower(): handler
    for name, handler in (MESSAGE_METHODS | SETTINGS_METHODS | UPDATE_METHODS).items()
}


def _bot_id(token: str) -> int:
    match = re.match(r"(\d+):", token)
    return int(match.group(1)) if match else 123_456_789


def _chat_id(params: Mapping[str, Any]) -> int | None:
    value = params.get("chat_id")
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value if isinstance(value, int) else None


class BotApiServer:
    """A local Bot API over real HTTP on 127.0.0.1 (port 0 picks a free port)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        spec: BotApiSpec | None = None,
        spec_path: str | None = None,
        flood_limits: bool = True,
        bot_username: str = "medbot_sandbox_bot",
        bot_first_name: str = "MedBot",
        webhook_retry_delay: float = 1.0,
    ) -> None:
        self.token = token
        self.host = host
        self.spec = spec if spec is not None else BotApiSpec.load(spec_path)
        bot = Profile(_bot_id(token), bot_first_name, username=bot_username, is_bot=True)
        self.state = SandboxState(
            bot, flood_limits=flood_limits, webhook_retry_delay=webhook_retry_delay
        )
        self.journal = Journal()
        self.app = web.Application(
            client_max_size=MAX_UPLOAD_BYTES, middlewares=[self._from_this_machine]
        )
        self._hosts: set[str] = set()  # what Host may say, once the port is bound
        self.app.router.add_route("*", "/bot{token}/{method}", self._api_call)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    @property
    def violations(self) -> list[Violation]:
        """Calls that broke the Bot API spec (each answered 400), oldest first."""
        return self.journal.violations

    @property
    def faults(self) -> Faults:
        """Plan errors or slowness for the next calls (see ``Faults``)."""
        return self.state.faults

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the stand-in is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; the token is appended by PTB."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self._requested_port))
        except OSError:
            listener.close()
            raise
        self._port = listener.getsockname()[1]
        names = {*LOOPBACK_NAMES, f"[{self.host}]" if ":" in self.host else self.host}
        self._hosts = {f"{name}:{self._port}".lower() for name in names}
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()

    async def stop(self) -> None:
        await self.state.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _from_this_machine(self, request: web.Request, handler: _Next) -> web.StreamResponse:
        """403 for a foreign ``Host`` or a request a browser sends for another site's page."""
        headers = request.headers
        pages = [urlsplit(headers[h]) for h in ("Origin", "Referer") if h in headers]
        foreign = (
            headers.get("Host", "").lower() not in self._hosts
            or any(p.scheme != "http" or p.netloc.lower() not in self._hosts for p in pages)
            or headers.get("Sec-Fetch-Site", "none") not in _SAME_SITE
        )
        if foreign:
            body = {"ok": False, "error_code": 403, "description": "Forbidden: not from a page"}
            return web.json_response(body, status=403)
        return await handler(request)

    async def _api_call(self, request: web.Request) -> web.Response:
        started = time.time()
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        violations: list[str] = []
        try:
            if request.match_info["token"] != self.token:
                raise unauthorized()
            canonical = self.spec.method_name(method)
            if canonical is None:
                raise not_found()
            method = canonical
            raw, text_keys, attachments = await _read_params(request)
            for part_name in set(attachments) - set(self.spec.methods[method]):
                del raw[part_name]  # a file part referenced as attach://<part_name>
            decoded = self.spec.decode_call(method, raw, as_text=text_keys)
            params, violations = raw, decoded.violations
            if violations:
                raise bad_request("; ".join(violations))
            params = decoded.params
            result = await self._perform(Call(method, params, attachments))
        except ApiError as error:
            self.journal.record(
                method,
                params,
                status=error.status,
                description=error.description,
                violations=violations,
                started=started,
            )
            return web.json_response(error.body(), status=error.status)
        self.journal.record(method, params, status=200, started=started)
        logger.debug("bot api call %s answered", method)
        return web.json_response({"ok": True, "result": result})

    async def _perform(self, call: Call) -> Any:
        fault = self.state.faults.take(call.method, _chat_id(call.params))
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.error is not None:
                raise ApiError(
                    fault.error.status, fault.error.description, retry_after=fault.error.retry_after
                )
        handler = _HANDLERS.get(call.method.lower())
        if handler is None:
            return True  # any other valid call succeeds without effect
        return await handler(self.state, call)

    async def _download(self, request: web.Request) -> web.Response:
        stored = None
        if request.match_info["token"] == self.token:
            stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(not_found().body(), status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type)


async def _read_params(
    request: web.Request,
) -> tuple[dict[str, Any], set[str], dict[str, Upload]]:
    """Raw parameters, which of them came as text, and file parts not named as parameters."""
    params: dict[str, Any] = dict(request.query)
    text_keys = set(params)
    attachments: dict[str, Upload] = {}
    if not request.body_exists:
        return params, text_keys, attachments
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        params |= body
        text_keys -= set(body)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                upload = Upload(name, value.filename, value.content_type, value.file.read())
                attachments[name] = upload
                params[name] = upload
            else:  # a part with a non-text content type arrives as bytes
                params[name] = value.decode() if isinstance(value, bytes | bytearray) else value
                text_keys.add(name)
    return params, text_keys, attachments
