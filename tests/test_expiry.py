"""A request nobody decides: reminders to Sales, then expiry, on the time-skipping server."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests import rows
from tests.factories import make_request, qualified, unique_email
from tests.time_skipping import skip
from workers.worker import running_worker
from workflows.models import OnboardingInput, OnboardingPolicy, OnboardingStatus
from workflows.onboarding import OnboardingWorkflow

pytestmark = pytest.mark.timeskipping


def policy(sales_inbox: str) -> OnboardingPolicy:
    return OnboardingPolicy(sales_inbox=sales_inbox, track_search_attributes=False)


async def test_unanswered_request_expires_after_reminders(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, smtp: SmtpSink
) -> None:
    """Nine reminders three days apart, then on day 30 the prospect expires and both are told."""
    task_queue = f"expiry-{uuid.uuid4().hex[:8]}"
    reference = f"B2B-EXP{uuid.uuid4().hex[:8].upper()}"
    inbox = unique_email("sales")
    request = make_request("en")
    async with running_worker(time_env.client, task_queue, stores, settings):
        state = await time_env.client.execute_workflow(
            OnboardingWorkflow.run,
            OnboardingInput(reference=reference, request=request, policy=policy(inbox)),
            id=reference,
            task_queue=task_queue,
        )

    assert state.status is OnboardingStatus.EXPIRED
    assert state.reminders_sent == 9
    reminders = smtp.messages_to(inbox)
    assert [m["Message-ID"] for m in reminders] == [
        f"<{reference}.reminder.{n}@shop.example>" for n in range(1, 10)
    ]
    assert "waiting for a decision for 3 days" in reminders[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "for 27 days" in reminders[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    requester_mail = smtp.messages_to(request.contact.email)
    assert [m["Message-ID"] for m in requester_mail] == [
        f"<{reference}.acknowledgement@shop.example>",
        f"<{reference}.expired@shop.example>",
    ]
    prospect = await rows.prospect(stores, reference)
    assert prospect is not None
    assert (prospect["status"], prospect["status_reason"]) == (
        "expired",
        "no decision within 30 days",
    )
    assert state.ids.lead_id is not None
    sales = await rows.sales_rows(stores, state.ids.lead_id)
    assert [(r["status"], r["status_reason"]) for r in sales["leads"]] == [
        ("disqualified", "Canceled")
    ]
    assert sales["timeline_notes"][-1]["body"] == "Expired: no decision within 30 days."


async def test_decision_after_a_reminder_stops_the_reminders(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, smtp: SmtpSink
) -> None:
    """A lead qualified on day 4 got one reminder and never expires."""
    task_queue = f"expiry-{uuid.uuid4().hex[:8]}"
    reference = f"B2B-REM{uuid.uuid4().hex[:8].upper()}"
    inbox = unique_email("sales")
    async with running_worker(time_env.client, task_queue, stores, settings):
        handle = await time_env.client.start_workflow(
            OnboardingWorkflow.run,
            OnboardingInput(reference=reference, request=make_request("en"), policy=policy(inbox)),
            id=reference,
            task_queue=task_queue,
        )
        await skip(time_env, timedelta(days=4))
        await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
        await skip(time_env, timedelta(days=40))
        state = await handle.query(OnboardingWorkflow.state)
        await handle.terminate("test done")

    assert (state.status, state.reminders_sent) == (OnboardingStatus.QUALIFIED, 1)
    assert len(smtp.messages_to(inbox)) == 1
