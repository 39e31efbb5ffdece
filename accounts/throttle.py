"""How long a sign-in must wait after failures: growing delays, then a lock for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# What `wait` answers past a rule's max_failures: no wait ends that, only clearing them does.
UNTIL_CLEARED = timedelta.max


@dataclass(frozen=True)
class ThrottleRule:
    # Failures allowed before any delay: typos should not slow anyone down.
    free: int
    # From this many failures on, every attempt waits out the lock.
    lock_after: int
    lock_for: timedelta
    max_delay: timedelta = timedelta(minutes=1)
    # From this many consecutive failures on, no attempt counts until they are cleared.
    max_failures: int | None = None

    def wait(self, failures: int, since_last: timedelta) -> timedelta | None:
        """What is left to wait before the next attempt counts (UNTIL_CLEARED past
        max_failures); None when it may go ahead."""
        if self.max_failures is not None and failures >= self.max_failures:
            return UNTIL_CLEARED
        if failures >= self.lock_after:
            required = self.lock_for
        elif failures > self.free:
            required = min(timedelta(seconds=2 ** (failures - self.free - 1)), self.max_delay)
        else:
            return None
        left = required - since_last
        return left if left > timedelta(0) else None


# Per account name, and per device that signed in to it before (each counts its own failures
# only): a guesser gets about ten tries an hour at most.
PER_ACCOUNT = ThrottleRule(free=3, lock_after=10, lock_for=timedelta(minutes=15))


def per_address(free: int) -> ThrottleRule:
    """Per client address: an office behind one address signs in many people, so more room."""
    return ThrottleRule(free=free, lock_after=5 * free, lock_for=timedelta(minutes=15))


# Per account, for the second factor's codes: as per account name, and at most 100
# consecutive wrong codes ever (NIST SP 800-63B-4 3.2.2), not about a hundred a day for good.
# A right code, a reset of the factor or of the password clears them.
SECOND_FACTOR = ThrottleRule(
    free=3, lock_after=10, lock_for=timedelta(minutes=15), max_failures=100
)
