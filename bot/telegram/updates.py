"""Updates from different chats run concurrently; updates from one chat, in order.

Conversations stay correct (a double tap is handled after the first tap has
finished), while one slow database call never holds up other patients.

Every update is counted here, by kind and outcome, with its latency
(``bot.metrics``). The outcome is ``error`` when a handler raised: PTB hands the
error to the global error handler, which calls :func:`mark_failed`, instead of
letting it reach this processor.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.metrics import LAST_UPDATE, UPDATE_SECONDS, UPDATES


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
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = None
        if isinstance(update, Update) and update.effective_chat:
            key = update.effective_chat.id
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
            kind = update_kind(update)
            UPDATES.labels(kind, "error" if outcome.failed else "ok").inc()
            UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
            LAST_UPDATE.set_to_current_time()

    async def initialize(self) -> None:
        """Start the last-update clock: an alert on no update counts from the start."""
        LAST_UPDATE.set_to_current_time()

    async def shutdown(self) -> None:
        """Nothing to tear down."""
