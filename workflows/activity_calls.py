"""How the workflows call their activities: the timeouts and retries each kind of call gets."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.mail.sender import EmailActivities
    from activities.models import SendEmailInput
    from workflows.onboarding import (
        ACTIVITY_RETRY,
        EMAIL_HEARTBEAT,
        EMAIL_TIMEOUT,
        GIVE_UP_AFTER,
        STORE_TIMEOUT,
    )


async def store(activity: Any, arg: Any) -> Any:
    """A Commerce activity: short, idempotent, retried through outages of up to a day."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=STORE_TIMEOUT,
        schedule_to_close_timeout=GIVE_UP_AFTER,
        retry_policy=ACTIVITY_RETRY,
    )


async def send_email(email: SendEmailInput) -> None:
    """An email through the outbox: its heartbeats let a lost worker's send be retried soon."""
    await workflow.execute_activity_method(
        EmailActivities.send_email,
        email,
        start_to_close_timeout=EMAIL_TIMEOUT,
        heartbeat_timeout=EMAIL_HEARTBEAT,
        schedule_to_close_timeout=GIVE_UP_AFTER,
        retry_policy=ACTIVITY_RETRY,
    )
