"""The shop-wide ceiling on acknowledgement emails (ONBOARDING_ACKNOWLEDGEMENTS_PER_HOUR).

Anyone can make the shop write to an address of their choice by submitting the form. Past the
ceiling the request is still recorded (its step ran before its email); only the email waits
for a later hour. The activity asks Temporal for that delay; nothing sleeps.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from commerce.outbox import EmailOutbox

DEFERRED = "AcknowledgementDeferred"
# A retry must start with this much of its call's time left to send: more than one attempt
# may take (the workflow gives each five minutes).
LAST_CHANCE = timedelta(minutes=10)

log = logging.getLogger(__name__)


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour the moment falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def wait_for_place(
    outbox: EmailOutbox, message_id: str, per_hour: int, now: datetime
) -> None:
    """Return once the acknowledgement may go out; until its hour has come, fail the attempt
    with a retryable error whose `next_retry_delay` is the wait."""
    place = await outbox.acknowledgement_hour(message_id, per_hour, hour_of(now))
    wait = place - now
    if wait <= timedelta(0):
        return
    info = activity.info()
    whole_call = info.schedule_to_close_timeout
    if info.is_local and whole_call:
        # Waiting past a local call's end times it out, and the workflow goes on with a
        # regular activity: the UI lists that one as pending, with its wait.
        wait = min(wait, whole_call)
    elif whole_call:
        # Past its call's schedule-to-close, Temporal would give up on the email and fail the
        # run. Rather than drop it, it goes out at the call's last chance, over the ceiling:
        # only a flood of more than a day's worth of requests gets that far.
        latest = info.scheduled_time + whole_call - datetime.now(UTC) - LAST_CHANCE
        if latest <= timedelta(0):
            log.warning("%s: sent past the acknowledgement ceiling, its call ends soon", message_id)
            return
        wait = min(wait, latest)
    raise ApplicationError(
        f"acknowledgement ceiling reached: {message_id} waits for {place:%Y-%m-%d %H:00} UTC",
        type=DEFERRED,
        next_retry_delay=wait,
        # An expected wait, not a fault: logged at debug level and kept out of failure metrics.
        category=ApplicationErrorCategory.BENIGN,
    )
