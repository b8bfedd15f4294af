"""The sandbox's demo clock: a base clock plus a skip ahead that only grows.

The base is real UTC time in ``medbot sandbox`` and a test's fixed clock in the
browser tests.  The page's "Skip ahead" buttons add to the skip, so a visit two
hours away is a click or two away, and so is its reminder.  The clock never goes
back: the outbox, the appointments and the people's chats all assume time runs on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.clock import SystemClock
from domain.ports import Clock

#: The most one skip may add: a week, so one slip of the finger is not a lost demo.
MAX_SKIP = timedelta(days=7)


class DemoClock:
    """A :class:`~domain.ports.Clock` that reads ``base`` and adds what was skipped."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base if base is not None else SystemClock()
        self._skipped = timedelta()

    def now(self) -> datetime:
        return self._base.now() + self._skipped

    @property
    def skipped(self) -> timedelta:
        """How far ahead of its base the clock runs."""
        return self._skipped

    def skip(self, delta: timedelta) -> datetime:
        """Move the clock ``delta`` ahead (more than nothing, at most a week); the new now."""
        if delta <= timedelta():
            raise ValueError("the demo clock only moves forward")
        if delta > MAX_SKIP:
            raise ValueError("skip at most a week at a time")
        self._skipped += delta
        return self.now()
