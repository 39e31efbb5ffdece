"""Per-client rate limit for the public form and "send me a link": a token bucket in memory.

Each web app process keeps its own buckets; behind several processes the limit applies per
process, which still stops one client from flooding the form. What the form can make the shop
send, whatever the number of clients and processes, is bounded in the Commerce store instead
(ONBOARDING_ACKNOWLEDGEMENTS_PER_HOUR).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request

from starter.common.clients import client_of

# Past this many clients the least recently seen bucket goes even if it is not full: the
# memory stays bounded, and a client forgotten early only gets its burst back.
MAX_CLIENTS = 10_000
# Buckets looked at per request for forgetting: more than the one a request may add, so the
# stale ones drain away without any request paying for all of them.
FORGET_PER_REQUEST = 2


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._max_clients = max_clients
        # Least recently used first: the buckets worth forgetting are at the front.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    @property
    def clients(self) -> int:
        """How many clients have a bucket now."""
        return len(self._buckets)

    def retry_after(self, key: str) -> int | None:
        """Take one request from the key's bucket; seconds to wait when it is empty."""
        if not self.enabled:
            return None
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=self._burst, updated=now)
        else:
            self._buckets.move_to_end(key)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._forget_some(now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def _forget_some(self, now: float) -> None:
        # A bucket that has refilled says nothing a new bucket would not. The front is the
        # least recently used, so once it is not yet full, none behind it is either.
        refill = self._burst / self._rate
        for _ in range(FORGET_PER_REQUEST):
            oldest = next(iter(self._buckets.values()))
            if len(self._buckets) <= self._max_clients and now - oldest.updated < refill:
                return
            self._buckets.popitem(last=False)

    def check(self, request: Request) -> None:
        """429 with Retry-After when the request's client has used up its burst."""
        wait = self.retry_after(client_of(request))
        if wait is not None:
            raise HTTPException(
                status_code=429,
                detail=f"too many requests from this address; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
