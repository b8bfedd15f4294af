"""Updates from different chats run concurrently; updates from one chat, in order; and
no chat gets more than its fair share.

Conversations stay correct (a double tap is handled after the first tap has
finished), while one slow database call never holds up other patients. An update
waiting for its chat's turn holds one of PTB's ``max_concurrent_updates`` slots, so a
chat may have at most ``max_backlog`` updates queued or in hand: further ones are
dropped at once, and the chat is told once per backlog (``on_dropped``) to wait. One
person sending hundreds of commands then holds a few slots, never all of them.

Every update is counted here, by kind and outcome, with its latency
(``bot.metrics``). The outcome is ``error`` when a handler raised: PTB hands the
error to the global error handler, which calls :func:`mark_failed`, instead of
letting it reach this processor; a dropped update counts as ``dropped``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.metrics import LAST_UPDATE, UPDATE_SECONDS, UPDATES

#: Updates of one chat queued or in hand; someone typing fast stays well below it.
MAX_BACKLOG = 8

Dropped = Callable[[Update], Awaitable[None]]


class _Outcome:
    __slots__ = ("failed",)

    def __init__(self) -> None:
        self.failed = False


# A mutable holder, so a handler's task (which runs in a copy of this context) marks
# the same outcome the processor reads.
_OUTCOME: ContextVar[_Outcome | None] = ContextVar("medbot_update_outcome", default=None)


def mark_failed() -> None:
    """Count the update being handled as failed (called by the global error handler)."""
    outcome = _OUTCOME.get()
    if outcome is not None:
        outcome.failed = True


def update_kind(update: object) -> str:
    """The update's kind from Telegram's fixed list (``message``, ``callback_query``, …)."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256, max_backlog: int = MAX_BACKLOG) -> None:
        super().__init__(max_concurrent_updates)
        self.max_backlog = max_backlog
        #: Told the chat whose update was dropped to wait; set by the composition root.
        self.on_dropped: Dropped | None = None
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}
        self._told: set[int] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = None
        if isinstance(update, Update) and update.effective_chat:
            key = update.effective_chat.id
        if key is not None and self._users.get(key, 0) >= self.max_backlog:
            UPDATES.labels(update_kind(update), "dropped").inc()
            await self._drop(key, update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        outcome = _Outcome()
        token = _OUTCOME.set(outcome)
        started = time.perf_counter()
        try:
            async with lock:
                await coroutine
        except BaseException:
            outcome.failed = True
            raise
        finally:
            _OUTCOME.reset(token)
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
                if key is not None:
                    self._told.discard(key)
            kind = update_kind(update)
            UPDATES.labels(kind, "error" if outcome.failed else "ok").inc()
            UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
            LAST_UPDATE.set_to_current_time()

    async def _drop(self, key: int, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(coroutine, Coroutine):
            coroutine.close()  # never run: no "never awaited" warning
        if key in self._told or self.on_dropped is None or not isinstance(update, Update):
            return
        self._told.add(key)
        await self.on_dropped(update)

    async def initialize(self) -> None:
        """Start the last-update clock: an alert on no update counts from the start."""
        LAST_UPDATE.set_to_current_time()

    async def shutdown(self) -> None:
        """Nothing to tear down."""
