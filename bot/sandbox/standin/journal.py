"""The request log: every Bot API call the bot made, its answer, and spec violations.

It is kept in memory for tests and the sandbox UI; nothing is written to logs.  Readers
can also follow it live through an asyncio queue or a callback.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.sandbox.standin.files import Upload

_LONGEST_SHOWN_TEXT = 200


@dataclass(frozen=True)
class RequestRecord:
    seq: int
    at: float  # unix time of the answer
    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    violations: tuple[str, ...]
    duration: float

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Violation:
    method: str
    params: dict[str, Any]
    message: str
    at: float

    def __str__(self) -> str:
        return f"{self.method}: {self.message}"


def summarize(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters fit for display: uploads described, long texts cut short."""

    def short(value: Any) -> Any:
        if isinstance(value, Upload):
            return value.summary()
        if isinstance(value, str) and len(value) > _LONGEST_SHOWN_TEXT:
            return f"{value[:_LONGEST_SHOWN_TEXT]}… ({len(value)} characters)"
        return value

    return {key: short(value) for key, value in params.items()}


Listener = Callable[[RequestRecord], None]


class Journal:
    """Recent requests (up to ``keep``) and all violations, with live subscriptions."""

    def __init__(self, keep: int = 10_000) -> None:
        self.requests: deque[RequestRecord] = deque(maxlen=keep)
        self.violations: list[Violation] = []
        self._numbers = itertools.count(1)
        self._queues: list[asyncio.Queue[RequestRecord]] = []
        self._listeners: list[Listener] = []

    def record(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        status: int,
        description: str | None = None,
        violations: list[str] | None = None,
        started: float,
    ) -> RequestRecord:
        now = time.time()
        shown = summarize(params)
        record = RequestRecord(
            next(self._numbers),
            now,
            method,
            shown,
            status,
            description,
            tuple(violations or ()),
            max(0.0, now - started),
        )
        self.requests.append(record)
        self.violations.extend(Violation(method, shown, v, now) for v in record.violations)
        for queue in self._queues:
            queue.put_nowait(record)
        for listener in list(self._listeners):
            listener(record)
        return record

    def calls(self, method: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.method.lower() == method.lower()]

    def subscribe(self) -> asyncio.Queue[RequestRecord]:
        """A queue that receives every record from now on; pass it to ``unsubscribe``."""
        queue: asyncio.Queue[RequestRecord] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[RequestRecord]) -> None:
        self._queues.remove(queue)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each new record; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def clear(self) -> None:
        self.requests.clear()
        self.violations.clear()
