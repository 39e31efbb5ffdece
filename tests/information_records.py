"""The information requests' runs that tests/record_histories.py records: a request answered
with a file, then the partner approved; and, days skipped, a request that expires unanswered
after its reminder while the Sales inbox's reminders wait, then a second one due just before
the lead's expiry, then the onboarding expiring."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.documents import AcceptedFile, in_memory
from domain.information_requests import AnsweredFile, InformationAnswered
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter, new_reference
from tests.factories import make_request, qualified, start_until_lead, wait_for_state
from tests.information_request_helpers import ask
from tests.time_skipping import skip
from workflows.models import (
    OnboardingInput,
    OnboardingPolicy,
    OnboardingState,
    OpportunityClosed,
)
from workflows.onboarding import OnboardingWorkflow

Save = Callable[..., Awaitable[OnboardingState]]
Handle = WorkflowHandle[OnboardingWorkflow, OnboardingState]
PDF = b"%PDF-1.7\n% recorded\n%%EOF\n"


async def answer(stores: Stores, settings: Settings, handle: Handle, request_id: str) -> None:
    """An answer with one PDF, kept as the applicant's page keeps it, and told to the run."""
    documents = stores.documents(settings)
    sha = hashlib.sha256(PDF).hexdigest()
    document = AcceptedFile("certificate.pdf", "application/pdf", len(PDF), sha, in_memory(PDF))
    answer_id = await stores.commerce_store().information_requests.take_answer(
        request_id, lambda: documents.store_answer(request_id, "Attached.", [document])
    )
    assert answer_id is not None
    kept = next(a for a in await documents.answers(request_id) if a.id == answer_id)
    told = InformationAnswered(
        request_id=request_id,
        answer_id=answer_id,
        received_at=kept.received_at,
        files=[AnsweredFile(id=f.id, sha256=f.sha256) for f in kept.files],
    )
    await handle.signal(OnboardingWorkflow.information_answered, told)


async def record_information(
    client: Client, starter: OnboardingStarter, stores: Stores, settings: Settings, save: Save
) -> None:
    handle = await start_until_lead(client, starter, make_request("ja"))
    state = await handle.query(OnboardingWorkflow.state)
    assert state.ids.lead_id is not None
    request_id, _ = await ask(
        stores, settings, handle, state.ids.lead_id, datetime.now(UTC), timedelta(days=7)
    )
    await wait_for_state(handle, lambda s: s.waiting_for_applicant)
    await answer(stores, settings, handle, request_id)
    await wait_for_state(handle, lambda s: not s.waiting_for_applicant)
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    won = OpportunityClosed(decided_by="rep", decided_at=datetime.now(UTC), outcome="won")
    await handle.signal(OnboardingWorkflow.close_opportunity, won)
    await save(handle, "information-answered-approved")


async def record_information_expired(
    env: WorkflowEnvironment, stores: Stores, settings: Settings, save: Save
) -> None:
    reference = new_reference()
    handle = await env.client.start_workflow(
        OnboardingWorkflow.run,
        OnboardingInput(
            reference=reference,
            request=make_request("en"),
            policy=OnboardingPolicy(track_search_attributes=False),
        ),
        id=reference,
        task_queue="record-histories",
    )
    state = await wait_for_state(handle, lambda s: s.ids.lead_id is not None)
    assert state.ids.lead_id is not None
    lead_id = state.ids.lead_id
    await ask(stores, settings, handle, lead_id, await env.get_current_time(), timedelta(days=5))
    await skip(env, timedelta(days=20))
    # Due before the lead's expiry (day 30), as every request must be.
    await ask(stores, settings, handle, lead_id, await env.get_current_time(), timedelta(days=8))
    await save(handle, "information-expired-then-onboarding-expired")
