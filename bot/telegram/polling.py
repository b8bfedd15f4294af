"""Polling in one process of several: stand by until the polling lock is ours, then poll.

Every ``medbot run`` builds and starts its Telegram application, so its workers can
send; only the holder of the polling lock (``storage/polling_lock.py``) calls
getUpdates. The others ask for the lock every ``retry`` seconds. The one that gets it
reloads conversation state from the database (:func:`reload_state`), then polls; if its
lock's connection stops answering, it stops polling and asks again like the others.
On SQLite the lock is always granted, so a single ``medbot run`` polls at once, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import TelegramError
from telegram.ext import Application

from bot.metrics import standing_by as standing_by_flag
from bot.telegram.persistence import reload_state

log = structlog.get_logger(__name__)


class Lock(Protocol):
    @property
    def enforced(self) -> bool: ...
    async def try_acquire(self) -> bool: ...
    async def still_held(self) -> bool: ...
    async def release(self) -> None: ...


class PollingTurn:
    """Waits for the lock, then polls while it is held; :meth:`run` until ``stopping``."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        lock: Lock,
        start_polling: Callable[[], Awaitable[object]],
        *,
        retry: float,
    ) -> None:
        self._application = application
        self._lock = lock
        self._start_polling = start_polling
        self._retry = retry

    async def run(self, stopping: asyncio.Event) -> None:
        standing_by = False
        while not stopping.is_set():
            if await self._lock.try_acquire():
                if not await self._took_over():
                    await _sleep(stopping, self._retry)
                    continue
                standing_by_flag(False)
                log.info("polling_started", locked=self._lock.enforced, took_over=standing_by)
                await self._hold(stopping)
                standing_by = False
            elif not standing_by:
                log.info("polling_standing_by", every=self._retry)
                standing_by = True
                standing_by_flag(True)
            await _sleep(stopping, self._retry)

    async def _took_over(self) -> bool:
        """Reload state and start polling; on a database or network fault, give the lock
        back (so another instance may poll) and say no: the next turn tries again."""
        try:
            await reload_state(self._application)
            await self._start_polling()
        except (SQLAlchemyError, OSError, TelegramError) as error:
            log.warning("polling_takeover_failed", error=type(error).__name__)
            await self._lock.release()
            return False
        return True

    async def _hold(self, stopping: asyncio.Event) -> None:
        while not await _sleep(stopping, self._retry):
            if not await self._lock.still_held():
                updater = self._application.updater
                if updater is not None and updater.running:
                    await updater.stop()  # another process may poll now
                return


async def _sleep(stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` or until ``stopping``; whether it is stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
    return stopping.is_set()
