"""The sandbox page over HTTP: static files, a websocket feed, and what people do.

    GET  /                          the chat page (static files under /static/)
    GET  /ws                        live feed: a snapshot, then changes and Bot API calls
    GET  /api/state                 the same snapshot, once
    POST /api/people                {name, language, country}: someone new
    POST /api/chats/{id}/text       {text}: the person writes
    POST /api/chats/{id}/press      {message_id, data}: the person taps an inline button
    POST /api/chats/{id}/reply      {text}: the person taps a reply-keyboard button
    POST /api/clock                 {advance_minutes}: skip the demo clock ahead (1 to 10080)
    GET  /files/{file_id}           a document the bot sent, as a download
    GET  /healthz                   200 once the sandbox is up (the Docker image's health check)

Actions take JSON only, so a page on another site cannot post a plain form here.
Every request must name the sandbox in its ``Host`` header (``127.0.0.1``,
``localhost``, ``[::1]``, SANDBOX_HOST or one of SANDBOX_HOST_NAMES, at the port
actually bound), else it is answered 403, so a DNS-rebound name cannot reach the
page or the API; and /ws refuses (403) an ``Origin`` other than ``http://`` one of
those hosts, so another site open in the browser cannot read the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import WSCloseCode, web

from bot.sandbox.demo.clock import MAX_SKIP, DemoClock
from bot.sandbox.demo.feed import Feed
from bot.sandbox.demo.people import Member, People
from bot.sandbox.demo.views import clock_json
from bot.sandbox.standin.driver import BotApiStandIn
from bot.sandbox.standin.markup import inline_buttons, reply_buttons

STATIC = Path(__file__).with_name("static")
FEED = web.AppKey("feed", Feed)
PEOPLE = web.AppKey("people", People)
API = web.AppKey("api", BotApiStandIn)
CLOCK = web.AppKey("clock", DemoClock)
SOCKETS = web.AppKey("sockets", set[web.WebSocketResponse])
HOSTS = web.AppKey("hosts", set[str])
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")
MAX_SKIP_MINUTES = int(MAX_SKIP.total_seconds() // 60)  # 10080, a week
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadAction(Exception):
    """The page asked for something a person could not do; answered 400."""


def serve_hosts(app: web.Application, configured: tuple[str, ...], port: int) -> None:
    """Allow ``Host`` headers naming the sandbox at ``port``, the one actually bound:
    the loopback names and the ``configured`` ones (SANDBOX_HOST, SANDBOX_HOST_NAMES).

    Until this is called no host is allowed, so every request is refused.
    """
    hosts = app[HOSTS]
    for given in (*LOCAL_NAMES, *configured):
        name = given.strip("[]").lower()  # the Host header is compared lower-cased
        shown = f"[{name}]" if ":" in name else name
        hosts.add(f"{shown}:{port}")
        if port == 80:  # browsers leave the default port out of Host and Origin
            hosts.add(shown)


@web.middleware
async def known_hosts(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """403 unless ``Host`` names the sandbox: no DNS rebinding onto the page or the API."""
    if request.headers.get("Host", "").lower() not in request.app[HOSTS]:
        return web.Response(status=403, text="unknown Host")
    return await handler(request)


def _foreign_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser page: a script on this machine, as curl is
        return False
    scheme, _, host = origin.lower().partition("://")
    return scheme != "http" or host not in request.app[HOSTS]


@web.middleware
async def errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (BadAction, ValueError, AssertionError) as error:
        return web.json_response({"error": str(error)}, status=400)


def init_app(api: BotApiStandIn, people: People, feed: Feed, clock: DemoClock) -> web.Application:
    """The sandbox page's app; call :func:`serve_hosts` once the port is bound."""
    app = web.Application(middlewares=[known_hosts, errors])
    app[API], app[PEOPLE], app[FEED], app[CLOCK] = api, people, feed, clock
    app[SOCKETS] = set()
    app[HOSTS] = set()
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/api/state", state)
    app.router.add_post("/api/people", add_person)
    app.router.add_post("/api/chats/{chat_id:\\d+}/text", send_text)
    app.router.add_post("/api/chats/{chat_id:\\d+}/press", press)
    app.router.add_post("/api/chats/{chat_id:\\d+}/reply", reply)
    app.router.add_post("/api/clock", skip_ahead)
    app.router.add_get("/files/{file_id}", download)
    app.router.add_get("/healthz", healthz)
    app.on_shutdown.append(_close_sockets)
    return app


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def healthz(_request: web.Request) -> web.Response:
    """The page is served last, so answering means every part of the sandbox started."""
    return web.json_response({"status": "ok"})


async def state(request: web.Request) -> web.Response:
    return web.json_response(request.app[FEED].snapshot())


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Send the feed while reading the socket, so a page's close is answered at once."""
    if _foreign_origin(request):
        raise web.HTTPForbidden(text="the feed is for the sandbox page only")
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    feed = request.app[FEED]
    queue = feed.subscribe()
    request.app[SOCKETS].add(socket)
    try:
        async with asyncio.TaskGroup() as tasks:
            sender = tasks.create_task(_send_feed(socket, feed, queue))
            async for _message in socket:  # the page sends nothing; reading answers close
                pass
            sender.cancel()
    finally:
        feed.unsubscribe(queue)
        request.app[SOCKETS].discard(socket)
    return socket


async def _send_feed(
    socket: web.WebSocketResponse, feed: Feed, queue: asyncio.Queue[dict[str, Any]]
) -> None:
    with contextlib.suppress(ConnectionResetError):
        await socket.send_json(feed.snapshot())
        while not socket.closed:
            await socket.send_json(await queue.get())


async def _close_sockets(app: web.Application) -> None:
    sockets: set[web.WebSocketResponse] = app[SOCKETS]
    for socket in sockets.copy():
        with contextlib.suppress(ConnectionResetError):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"sandbox stopping")


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    body = await request.json()
    if not isinstance(body, dict):
        raise BadAction("send a JSON object")
    return body


def _member(request: web.Request) -> Member:
    member = request.app[PEOPLE].get(int(request.match_info["chat_id"]))
    if member is None:
        raise web.HTTPNotFound(text="no such person")
    return member


async def add_person(request: web.Request) -> web.Response:
    body = await _body(request)
    member = request.app[PEOPLE].add(
        str(body.get("name", "")), str(body.get("language", "")), str(body.get("country", ""))
    )
    request.app[FEED].person_added(member)
    return web.json_response(member.as_json(), status=201)


async def send_text(request: web.Request) -> web.Response:
    member, body = _member(request), await _body(request)
    text = str(body.get("text", "")).strip()
    if not text or len(text) > 4096:
        raise BadAction("a message is 1 to 4096 characters")
    await member.person.send(text)
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.Response:
    member, body = _member(request), await _body(request)
    message = member.person.chat.messages.get(int(body.get("message_id", 0)))
    data = body.get("data")
    if message is None or message.deleted or not message.from_bot:
        raise BadAction("no such message")
    if not any(b.get("callback_data") == data for b in inline_buttons(message.reply_markup)):
        raise BadAction("that message has no such button")
    await member.person.tap_data(str(data), message.message_id)
    return web.json_response({"ok": True})


async def reply(request: web.Request) -> web.Response:
    member, body = _member(request), await _body(request)
    chat = member.person.chat
    keyboard = chat.reply_keyboard
    markup = keyboard.reply_markup if keyboard is not None else None
    button = next((b for b in reply_buttons(markup) if b.get("text") == body.get("text")), None)
    if button is None or markup is None:
        raise BadAction("no such button on the keyboard")
    if markup.get("one_time_keyboard"):
        chat.reply_keyboard = None
    if button.get("request_contact"):
        await member.person.share_contact()
    else:
        await member.person.send(str(button["text"]))
    return web.json_response({"ok": True})


async def skip_ahead(request: web.Request) -> web.Response:
    minutes = (await _body(request)).get("advance_minutes")
    if type(minutes) is not int or not 1 <= minutes <= MAX_SKIP_MINUTES:
        raise BadAction(f"advance_minutes is a whole number of minutes, 1 to {MAX_SKIP_MINUTES}")
    clock = request.app[CLOCK]
    clock.skip(timedelta(minutes=minutes))
    request.app[FEED].clock_moved()
    return web.json_response(clock_json(clock))


async def download(request: web.Request) -> web.Response:
    stored = request.app[API].state.files.by_id(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound(text="no such file")
    disposition = f"attachment; filename*=UTF-8''{quote(stored.file_name, safe='')}"
    return web.Response(
        body=stored.content,
        content_type=stored.mime_type,
        headers={"Content-Disposition": disposition},
    )
