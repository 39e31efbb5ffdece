"""Decisions that do not fit the onboarding's state are recorded and change nothing."""

from __future__ import annotations

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter
from tests import rows
from tests.factories import (
    disqualified,
    make_request,
    now,
    qualified,
    start_until_lead,
    wait_for_state,
)
from workers.worker import running_worker
from workflows.models import OnboardingStatus, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


def won() -> OpportunityClosed:
    return OpportunityClosed(decided_by="sales.rep@shop.example", decided_at=now(), outcome="won")


def lost() -> OpportunityClosed:
    return OpportunityClosed.model_validate(
        {
            "decided_by": "other.rep@shop.example",
            "decided_at": now(),
            "outcome": "lost",
            "reason": "Canceled",
        }
    )


async def test_out_of_order_and_duplicate_signals_change_nothing(
    client: Client,
    starter: OnboardingStarter,
    stores: Stores,
    settings: Settings,
    task_queue: str,
    smtp: SmtpSink,
) -> None:
    """Won before qualified, a second qualify, a late disqualify and a second close are ignored."""
    request = make_request("en")
    started = await starter.start(request)
    handle = client.get_workflow_handle_for(OnboardingWorkflow.run, started.reference)
    async with running_worker(client, task_queue, stores, settings):
        await handle.signal(OnboardingWorkflow.close_opportunity, won())
        await wait_for_state(handle, lambda s: s.ids.lead_id is not None)
        await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
        await handle.signal(OnboardingWorkflow.qualify_lead, qualified("second.rep@shop.example"))
        await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified("Lost"))
        await wait_for_state(handle, lambda s: s.status is OnboardingStatus.QUALIFIED)
    # With no worker polling, both closes are in the history before the run sees either: the
    # second cannot arrive after the first has already ended the run.
    await handle.signal(OnboardingWorkflow.close_opportunity, won())
    await handle.signal(OnboardingWorkflow.close_opportunity, lost())
    async with running_worker(client, task_queue, stores, settings):
        state = await handle.result()

    assert state.status is OnboardingStatus.APPROVED
    assert [(h.event, h.accepted) for h in state.history] == [
        ("requested", True),
        ("opportunity_won", False),
        ("lead_qualified", True),
        ("lead_qualified", False),
        ("lead_disqualified", False),
        ("opportunity_won", True),
        ("opportunity_lost", False),
        ("approved", True),
    ]
    assert state.history[1].note == "ignored: the lead is not qualified"
    assert state.history[3].note == "ignored: the lead is already decided"
    assert state.history[6].note == "ignored: the opportunity is already closed"
    assert state.ids.lead_id is not None
    sales = await rows.sales_rows(stores, state.ids.lead_id)
    assert [r["decided_by"] for r in sales["leads"]] == ["sales.rep@shop.example"]
    assert [(o["status"], o["decided_by"]) for o in sales["opportunities"]] == [
        ("won", "sales.rep@shop.example")
    ]
    assert [m["Message-ID"] for m in smtp.messages_to(request.contact.email)] == [
        f"<{started.reference}.acknowledgement@shop.example>",
        f"<{started.reference}.approved@shop.example>",
    ]


async def test_decision_after_the_end_is_refused_by_the_server(
    client: Client, worker: Worker, starter: OnboardingStarter
) -> None:
    """A closed onboarding takes no more signals: Temporal refuses them, the result stands."""
    handle = await start_until_lead(client, starter, make_request("en"))
    await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified("Canceled"))
    state = await handle.result()
    with pytest.raises(Exception, match="already completed"):
        await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    assert (await handle.result()) == state
