"""Readiness: whether this process can serve now, check by check.

- ``database``: a read on the database answers within ``DATABASE_TIMEOUT``;
- ``migrations``: the database is at the revision this code's migrations end at
  (the check ``medbot run`` makes at start-up, ``storage.migrate``);
- ``telegram`` (only where this process takes updates): Telegram answered a
  getUpdates, or called the webhook, within ``TELEGRAM_WINDOW``
  (:func:`bot.metrics.telegram_seen`). Long polling asks at least every 10 s, so a
  minute without an answer means Telegram, or the way to it, is down. An instance
  standing by for another's polling (``bot.telegram.polling``) passes it.

A verdict is kept for ``CACHE`` seconds, so probes and scrapes in a burst cost one
check. Each check also sets the ``medbot_ready`` and ``medbot_ready_check`` gauges.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import READY, READY_CHECKS, is_standing_by, telegram_seen_ago
from storage.engine import reading
from storage.migrate import current_revision, head_revision

OK = "ok"
DATABASE_TIMEOUT = 3.0
TELEGRAM_WINDOW = 60.0
CACHE = 2.0


@dataclass(frozen=True, slots=True)
class Verdict:
    checks: dict[str, str]  # each check's name: "ok", or why it fails

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


class Readiness:
    def __init__(
        self,
        *,
        telegram: bool,
        telegram_window: float | None = None,  # default: TELEGRAM_WINDOW
        cache: float | None = None,  # default: CACHE
    ) -> None:
        self._telegram = telegram
        self._window = TELEGRAM_WINDOW if telegram_window is None else telegram_window
        self._cache = CACHE if cache is None else cache
        self._head: str | None = None
        self._last: tuple[float, Verdict] | None = None

    async def check(self, engine: AsyncEngine) -> Verdict:
        if self._last is not None and time.monotonic() - self._last[0] < self._cache:
            return self._last[1]
        checks = await self._database(engine)
        if self._telegram:
            checks["telegram"] = self._telegram_check()
        verdict = Verdict(checks)
        self._last = (time.monotonic(), verdict)
        READY.set(1 if verdict.ready else 0)
        for name, result in checks.items():
            READY_CHECKS.labels(name).set(1 if result == OK else 0)
        return verdict

    async def _database(self, engine: AsyncEngine) -> dict[str, str]:
        if self._head is None:
            self._head = await asyncio.to_thread(head_revision)  # reads the scripts once
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT), reading(engine) as conn:
                current = await current_revision(conn)
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            return {"database": f"unreachable ({type(error).__name__})", "migrations": "unknown"}
        if current != self._head:
            return {"database": OK, "migrations": f"at {current}, expected {self._head}"}
        return {"database": OK, "migrations": OK}

    def _telegram_check(self) -> str:
        if is_standing_by():  # another instance polls; this one serves the rest
            return OK
        ago = telegram_seen_ago()
        if ago is None:
            return "not reached since start"
        if ago > self._window:
            return f"not reached for {int(ago)} s"
        return OK
