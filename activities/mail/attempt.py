"""How an email attempt shares out the time Temporal gives it.

An email the SMTP server took but the outbox did not record goes out again on the next
attempt. So an attempt sends only while it has time to hear the server's answer and then to
record it, through a short store outage too, before Temporal may cut it off: cut off, it
could do neither, and its retry (or the regular activity after the local ones) would send
the email once more. A local email call (a minute, OnboardingPolicy) sends in its first
15 s; a call shorter than the margin, the reserve and the SMTP timeout (45 s) leaves every
email to the regular activity.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

# Time kept back from the attempt's end to report its completion.
COMPLETION_MARGIN = 5.0
# Time kept back after the SMTP server's answer to record it: a PostgreSQL restart, say.
RECORD_RESERVE = 30.0
DEFAULT_ATTEMPT_BUDGET = timedelta(minutes=5)
TOO_LATE = "EmailAttemptTooLate"


def attempt_deadline() -> float:
    """Monotonic time by which this attempt must finish, with room left to complete it.

    The attempt ends with its start-to-close timeout or with its call's schedule-to-close,
    whichever comes first: a local email call lasts a minute over all its attempts and
    backoffs, so a late attempt has far less than its own timeout.
    """
    info = activity.info()
    ends = info.started_time + (info.start_to_close_timeout or DEFAULT_ATTEMPT_BUDGET)
    if info.schedule_to_close_timeout:
        ends = min(ends, info.scheduled_time + info.schedule_to_close_timeout)
    left = (ends - datetime.now(UTC)).total_seconds()
    return time.monotonic() + left - COMPLETION_MARGIN


def answer_wait(deadline: float, shortest: float) -> float:
    """How long this attempt may wait for the SMTP server to answer an email: until the
    record's reserve before `deadline`. With less than `shortest` left, the attempt sends
    nothing and fails, to be retried (or taken over by a regular activity) with time enough.
    """
    wait = deadline - RECORD_RESERVE - time.monotonic()
    if wait < shortest:
        raise ApplicationError(
            f"too little of this attempt left to send an email ({max(wait, 0):.0f} s)",
            type=TOO_LATE,
            # Expected as a local call's minute runs out: not a fault.
            category=ApplicationErrorCategory.BENIGN,
        )
    return wait
