"""Per-client-address rate limit for the public form: a token bucket in memory.

Each web app process keeps its own buckets; behind several processes the limit applies per
process, which still stops one address from flooding the form.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def retry_after(self, key: str) -> int | None:
        """Take one request from the key's bucket; seconds to wait when it is empty."""
        if not self.enabled:
            return None
        now = self._clock()
        bucket = self._buckets.get(key) or _Bucket(tokens=self._burst, updated=now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > 10_000:
            self._forget_full(now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled says nothing a new bucket would not.
        refill = self._burst / self._rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill}

    def check(self, request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        wait = self.retry_after(client)
        if wait is not None:
            raise HTTPException(
                status_code=429,
                detail=f"too many requests from this address; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
