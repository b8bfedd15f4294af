"""Live updates for open pages: what changed in the chats, and each Bot API call.

The world fires one signal for any change; the feed wakes, collects what has a newer
revision than it last saw, and queues one JSON payload per open page.  A page that
connects gets a snapshot first, then the changes.  The demo clock's time is in the
snapshot, and each skip ahead is sent to every page.  Each message carries the demo
clock's time when the feed first saw it (``sandbox_date``), so the chat's times agree
with the clock in the header; ``date`` stays what the stand-in stamped, in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.demo.clock import DemoClock
from bot.sandbox.demo.people import Member, People
from bot.sandbox.demo.views import (
    alert_json,
    chat_json,
    clock_json,
    message_json,
    request_json,
)
from bot.sandbox.standin.driver import BotApiStandIn
from bot.sandbox.standin.journal import RequestRecord
from bot.sandbox.standin.world import ChatMessage

JSON = dict[str, Any]
SNAPSHOT_REQUESTS = 300


class Feed:
    def __init__(self, api: BotApiStandIn, people: People, clock: DemoClock) -> None:
        self.api = api
        self.people = people
        self.clock = clock
        self._seen_at: dict[tuple[int, int], int] = {}  # (chat, message) -> demo clock, epoch s
        self._pages: set[asyncio.Queue[JSON]] = set()
        self._cursor = 0
        self._task: asyncio.Task[None] | None = None
        self._stop_listening: Callable[[], None] | None = None

    def start(self) -> None:
        self._cursor = self.api.state.world.revision
        self._stop_listening = self.api.journal.add_listener(self._on_request)
        self._task = asyncio.create_task(self._follow_world(), name="sandbox-feed")

    async def stop(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def subscribe(self) -> asyncio.Queue[JSON]:
        queue: asyncio.Queue[JSON] = asyncio.Queue()
        self._pages.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[JSON]) -> None:
        self._pages.discard(queue)

    def snapshot(self) -> JSON:
        world = self.api.state.world
        chats = [world.chats[chat_id] for chat_id in self.people.members]
        requests = list(self.api.journal.requests)[-SNAPSHOT_REQUESTS:]
        return {
            "type": "snapshot",
            "people": [member.as_json() for member in self.people.members.values()],
            "messages": [self._message(m) for chat in chats for m in chat.transcript()],
            "chats": [chat_json(chat) for chat in chats],
            "requests": [request_json(r) for r in requests],
            "commands": self._menus(),
            "clock": clock_json(self.clock),
        }

    def _message(self, message: ChatMessage) -> JSON:
        shown = message_json(message)
        key = (message.chat_id, message.message_id)
        shown["sandbox_date"] = self._seen_at.setdefault(key, int(self.clock.now().timestamp()))
        return shown

    def _menus(self) -> dict[str, list[JSON]]:
        """The command menus as the bot set them: by language code ("" for the default),
        and by ``<chat id>:<language code>`` for one chat's own menu (an admin's)."""
        menus: dict[str, list[JSON]] = {}
        for (scope, language), commands in self.api.state.commands.items():
            parsed = json.loads(scope)
            if parsed.get("type") == "default":
                menus[language] = commands
            elif parsed.get("type") == "chat":
                menus[f"{parsed.get('chat_id')}:{language}"] = commands
        return menus

    def person_added(self, member: Member) -> None:
        self._broadcast({"type": "person", "person": member.as_json()})

    def clock_moved(self) -> None:
        self._broadcast({"type": "clock", "clock": clock_json(self.clock)})

    def _broadcast(self, payload: JSON) -> None:
        for queue in self._pages:
            queue.put_nowait(payload)

    def _on_request(self, record: RequestRecord) -> None:
        self._broadcast({"type": "request", "request": request_json(record)})

    async def _follow_world(self) -> None:
        world = self.api.state.world
        while True:
            event = world.changed.next()
            self._publish_changes()
            await event.wait()

    def _publish_changes(self) -> None:
        world = self.api.state.world
        since, self._cursor = self._cursor, world.revision
        messages: list[ChatMessage] = []
        alerts: list[JSON] = []
        for chat in world.chats.values():
            messages.extend(m for m in chat.messages.values() if m.revision > since)
            alerts.extend(alert_json(chat.id, a) for a in chat.alerts if a.revision > since)
        if not messages and not alerts:
            return
        messages.sort(key=lambda m: m.revision)
        changed = {m.chat_id for m in messages}
        self._broadcast(
            {
                "type": "changes",
                "messages": [self._message(m) for m in messages],
                "chats": [chat_json(world.chats[chat_id]) for chat_id in changed],
                "alerts": alerts,
            }
        )
