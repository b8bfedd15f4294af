"""A one-shot broadcast signal that waiters can await with a deadline."""

from __future__ import annotations

import asyncio
import contextlib


class ChangeSignal:
    """Wakes every current waiter when something changed.

    Waiters take ``signal.next()`` *before* inspecting the state and then await it,
    so a change that happens between the inspection and the wait is never missed.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def next(self) -> asyncio.Event:
        return self._event

    def fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    @staticmethod
    async def wait(event: asyncio.Event, seconds: float) -> bool:
        """Wait for ``event`` at most ``seconds``; tell whether it fired."""
        if seconds <= 0:
            return event.is_set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()
        return event.is_set()
