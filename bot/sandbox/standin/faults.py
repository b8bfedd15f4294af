"""Faults a test can inject: the next calls answer an error, or answer slowly."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from bot.sandbox.standin.errors import BOT_BLOCKED, ApiError, too_many_requests


@dataclass
class Fault:
    """Applies to the next ``times`` calls matching ``method`` and ``chat_id`` (None: any)."""

    times: int
    method: str | None = None
    chat_id: int | None = None
    error: ApiError | None = None
    delay: float = 0.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        method_fits = self.method is None or self.method.lower() == method.lower()
        return method_fits and (self.chat_id is None or self.chat_id == chat_id)


class Faults:
    """Injected faults, used up in the order they were added."""

    def __init__(self) -> None:
        self.planned: list[Fault] = []

    def fail_next(
        self,
        status: int = 502,
        description: str | None = None,
        *,
        times: int = 1,
        method: str | None = None,
        chat_id: int | None = None,
    ) -> Fault:
        """The next calls answer ``status`` (e.g. 500, 502 Bad Gateway, 503)."""
        text = description or HTTPStatus(status).phrase
        return self._add(Fault(times, method, chat_id, error=ApiError(status, text)))

    def block_next(
        self, *, times: int = 1, method: str | None = None, chat_id: int | None = None
    ) -> Fault:
        """The next calls answer 403 ``Forbidden: bot was blocked by the user``."""
        error = ApiError(403, f"Forbidden: {BOT_BLOCKED}")
        return self._add(Fault(times, method, chat_id, error=error))

    def throttle_next(
        self,
        retry_after: int = 3,
        *,
        times: int = 1,
        method: str | None = None,
        chat_id: int | None = None,
    ) -> Fault:
        """The next calls answer 429 ``Too Many Requests: retry after N``."""
        return self._add(Fault(times, method, chat_id, error=too_many_requests(retry_after)))

    def delay_next(
        self,
        seconds: float,
        *,
        times: int = 1,
        method: str | None = None,
        chat_id: int | None = None,
    ) -> Fault:
        """The next calls are answered normally, but only after ``seconds``."""
        return self._add(Fault(times, method, chat_id, delay=seconds))

    def clear(self) -> None:
        self.planned.clear()

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The first planned fault for this call, used up once."""
        for fault in self.planned:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self.planned.remove(fault)
                return fault
        return None

    def _add(self, fault: Fault) -> Fault:
        if fault.times < 1:
            raise ValueError("a fault applies to at least one call")
        self.planned.append(fault)
        return fault
