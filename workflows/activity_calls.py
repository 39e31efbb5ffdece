"""How the workflows call their activities: the timeouts and retries each kind of call gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.exceptions import TimeoutError as TimedOut

with workflow.unsafe.imports_passed_through():
    from activities.errors import NON_RETRYABLE_ERRORS
    from activities.mail.sender import EmailActivities
    from activities.models import SendEmailInput

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
# Store writes take milliseconds; a lost worker's write is retried after this long.
STORE_TIMEOUT = timedelta(seconds=10)
# Covers the email activity's own wait for the outbox after the SMTP server took the mail;
# its heartbeats let a lost worker's email be retried long before that.
EMAIL_TIMEOUT = timedelta(minutes=5)
EMAIL_HEARTBEAT = timedelta(seconds=20)
# A write to the Sales CRM that may carry an answer's files (up to 10 of 10 MB each).
CRM_WRITE_TIMEOUT = timedelta(minutes=2)
# Past this, a failing local activity backs off on a durable timer instead of in the task.
LOCAL_RETRY_THRESHOLD = timedelta(seconds=10)
# Outages shorter than this are ridden out; a longer one fails the call for an operator to see.
GIVE_UP_AFTER = timedelta(days=1)

Activity = Callable[[Any, Any], Awaitable[Any]]


async def store(activity: Activity, arg: Any) -> Any:
    """A Commerce activity: short, idempotent, retried through outages of up to a day."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=STORE_TIMEOUT,
        schedule_to_close_timeout=GIVE_UP_AFTER,
        retry_policy=ACTIVITY_RETRY,
    )


async def crm_write(activity: Activity, arg: Any) -> Any:
    """A write to the Sales CRM, idempotent, retried through outages of up to a day (a 429's
    Retry-After sets the next attempt's delay)."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=CRM_WRITE_TIMEOUT,
        schedule_to_close_timeout=GIVE_UP_AFTER,
        retry_policy=ACTIVITY_RETRY,
    )


async def local_step(activity: Activity, arg: Any) -> Any:
    """A short idempotent step run inside the workflow task: no round trips through the
    server to schedule, start and complete it. Retried through outages of up to a day."""
    return await workflow.execute_local_activity_method(
        activity,
        arg,
        start_to_close_timeout=STORE_TIMEOUT,
        schedule_to_close_timeout=GIVE_UP_AFTER,
        retry_policy=ACTIVITY_RETRY,
        local_retry_threshold=LOCAL_RETRY_THRESHOLD,
    )


async def send_email(email: SendEmailInput) -> None:
    """An email through the outbox: its heartbeats let a lost worker's send be retried soon."""
    await send_email_by(EmailActivities.send_email, email)


async def send_email_by(activity: Activity, arg: Any) -> Any:
    """An email by an activity that sends it through the outbox, as `send_email` does; what
    the activity answers."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=EMAIL_TIMEOUT,
        heartbeat_timeout=EMAIL_HEARTBEAT,
        schedule_to_close_timeout=GIVE_UP_AFTER,
        retry_policy=ACTIVITY_RETRY,
    )


async def send_email_locally_first(activity: Activity, arg: Any, locally_for: timedelta) -> Any:
    """An email tried as a local activity for `locally_for` (cheap, but invisible in the UI's
    pending activities), then as a regular one. The outbox, not the activity's kind, is what
    sends each email once."""
    try:
        return await workflow.execute_local_activity_method(
            activity,
            arg,
            start_to_close_timeout=min(EMAIL_TIMEOUT, locally_for),
            schedule_to_close_timeout=locally_for,
            retry_policy=ACTIVITY_RETRY,
            local_retry_threshold=LOCAL_RETRY_THRESHOLD,
        )
    except ActivityError as err:
        if not isinstance(err.cause, TimedOut):
            raise
    # Still failing (SMTP down, say): go on as a regular activity, which the UI lists among
    # the pending ones with its attempts and last error.
    return await send_email_by(activity, arg)
