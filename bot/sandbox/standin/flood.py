"""Telegram's flood limits for sending messages, as token buckets.

Telegram asks bots not to send more than about one message per second to a chat, and
no more than 30 messages per second overall; short bursts are tolerated.  The stand-in
models each limit as a token bucket: a chat's bucket refills at 1 message/s and holds 3
(a burst of 3 messages passes, the 4th within the same second gets 429); the overall
bucket refills at 30/s and holds 30.  A refused message does not use up a token.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.standin.errors import too_many_requests


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float

    def wait_needed(self, now: float) -> float:
        """Seconds until a token is available (0 when one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodControl:
    """Per-chat and overall message limits; ``enabled=False`` turns both off."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        overall_rate: float = 30.0,
        overall_burst: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self._per_chat = (per_chat_rate, per_chat_burst)
        self._clock = clock
        now = clock()
        self._overall = TokenBucket(overall_rate, overall_burst, overall_burst, now)
        self._chats: dict[int, TokenBucket] = {}

    def check(self, chat_id: int) -> None:
        """Take a token for a message to ``chat_id`` or refuse with 429 and retry_after."""
        if not self.enabled:
            return
        now = self._clock()
        rate, burst = self._per_chat
        chat = self._chats.setdefault(chat_id, TokenBucket(rate, burst, burst, now))
        wait = max(chat.wait_needed(now), self._overall.wait_needed(now))
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        chat.tokens -= 1
        self._overall.tokens -= 1
