"""Activity environments whose attempt has the times Temporal gives a real one: the email
activity shares an attempt's time out (activities/mail/attempt.py), so the test default (an
attempt started in 1970, with one second) would leave it no time to send."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from temporalio.testing import ActivityEnvironment

REGULAR_ATTEMPT = timedelta(minutes=5)
REGULAR_CALL = timedelta(days=1)
LOCAL_CALL = timedelta(minutes=1)


def attempt_env(
    *,
    local: bool = False,
    scheduled: datetime | None = None,
    call: timedelta | None = None,
) -> ActivityEnvironment:
    """An attempt starting now, of a call scheduled at `scheduled` (now by default) that
    lasts `call`: a day, or a minute for a local one, whose attempt may take all of it."""
    now = datetime.now(UTC)
    whole_call = call or (LOCAL_CALL if local else REGULAR_CALL)
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info,
        is_local=local,
        scheduled_time=scheduled or now,
        current_attempt_scheduled_time=now,
        started_time=now,
        schedule_to_close_timeout=whole_call,
        start_to_close_timeout=LOCAL_CALL if local else REGULAR_ATTEMPT,
    )
    return env
