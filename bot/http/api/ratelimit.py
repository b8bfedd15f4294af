"""Per-token rate limits: a token bucket per presented token, in this process's memory.

Keyed by the token's hash, so it is checked before the database is asked who the
token is: a flood of calls, with a good token or a bad one, never reaches it.
Several processes each keep their own buckets (docs/api.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


@dataclass(slots=True)
class RateLimiter:
    per_minute: int
    burst: int
    clock: Callable[[], float] = field(default=time.monotonic)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str) -> float:
        """0 if the call may go ahead now; else the seconds to wait (``Retry-After``)."""
        now = self.clock()
        rate = self.per_minute / 60
        bucket = self._buckets.get(key) or _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        self._buckets[key] = bucket
        if len(self._buckets) > 10_000:  # forget idle buckets rather than grow without end
            self._buckets = {k: b for k, b in self._buckets.items() if now - b.at < 120}
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return max(1.0, math.ceil((1 - bucket.tokens) / rate))
