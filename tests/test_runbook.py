"""The runbook (docs/operations.md), step by step, as an operator follows it on a real stack."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client, WorkflowHandle

from devstack.ports import free_port
from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter
from tests.account_helpers import wait_for_email
from tests.factories import make_request
from workers.worker import running_worker


async def pending_activities(
    handle: WorkflowHandle[Any, Any], until: Callable[[list[PendingActivityInfo]], bool]
) -> list[PendingActivityInfo]:
    """What the UI's "Pending Activities" tab shows, once it is as expected."""
    async with asyncio.timeout(60):
        while True:
            found = list((await handle.describe()).raw_description.pending_activities)
            if until(found):
                return found
            await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_a_waiting_activity_says_why_and_finishes_once_the_cause_is_fixed(
    client: Client, stores: Stores, settings: Settings, smtp: SmtpSink, task_queue: str
) -> None:
    """With SMTP unreachable the run shows its retrying email and the error; once a worker
    with the right SMTP takes over, the email goes out exactly once."""
    unreachable = settings.model_copy(update={"smtp_port": free_port()})
    # An email is tried locally for a while first; here briefly, to reach the regular
    # activity that the UI lists.
    policy = settings.policy().model_copy(update={"local_email_attempts_for": timedelta(seconds=2)})
    starter = OnboardingStarter(client, stores.commerce, task_queue, policy)
    request = make_request("en")
    async with running_worker(client, task_queue, stores, unreachable):
        started = await starter.start(request)
        handle = client.get_workflow_handle(started.reference)
        [waiting] = await pending_activities(
            handle, lambda found: bool(found) and found[0].attempt >= 2
        )
    assert waiting.activity_type.name == "send_onboarding_email"
    assert waiting.state in (
        PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
        PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    )
    assert waiting.last_failure.message
    async with running_worker(client, task_queue, stores, settings):
        await wait_for_email(smtp, request.contact.email, started.reference)
        # The run moves on to wait for Sales: no activity is left retrying.
        await pending_activities(handle, lambda found: not found)
    sent = [m for m in smtp.messages_to(request.contact.email) if started.reference in m["Subject"]]
    assert len(sent) == 1
    await handle.terminate("runbook test done")
