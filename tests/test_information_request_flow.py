"""Information requests in the onboarding's run, days skipped on the time-skipping server:
the applicant's reminder, the due date, the Sales inbox's reminders paused and resumed, and a
lead decision that closes the open request."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from devstack.smtp import SmtpSink
from domain.documents import AcceptedFile, in_memory
from domain.information_requests import AnsweredFile, InformationAnswered
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests import rows
from tests.factories import make_request, qualified, unique_email, wait_for_state
from tests.information_request_helpers import ask, request_status
from tests.time_skipping import skip
from workers.worker import running_worker
from workflows.models import OnboardingInput, OnboardingPolicy, OnboardingState
from workflows.onboarding import OnboardingWorkflow

pytestmark = pytest.mark.timeskipping
PDF = b"%PDF-1.4\n% a test document\n"
MESSAGE = "Please send your registration certificate."


@dataclass
class Run:
    handle: WorkflowHandle[OnboardingWorkflow, OnboardingState]
    lead_id: str
    applicant: str
    inbox: str


@pytest_asyncio.fixture(loop_scope="session")
async def run(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, smtp: SmtpSink
) -> AsyncIterator[Run]:
    task_queue = f"inforeq-{uuid.uuid4().hex[:8]}"
    reference = f"B2B-IR{uuid.uuid4().hex[:8].upper()}"
    inbox = unique_email("sales")
    request = make_request("en")
    policy = OnboardingPolicy(sales_inbox=inbox, track_search_attributes=False)
    async with running_worker(time_env.client, task_queue, stores, settings):
        handle = await time_env.client.start_workflow(
            OnboardingWorkflow.run,
            OnboardingInput(reference=reference, request=request, policy=policy),
            id=reference,
            task_queue=task_queue,
        )
        state = await wait_for_state(handle, lambda s: s.ids.lead_id is not None)
        assert state.ids.lead_id is not None
        # The acknowledgement out too, so the run is idle when a test's update arrives: the
        # time-skipping server can refuse a workflow task that an update meets in flight.
        await ids_to(smtp, request.contact.email, 1)
        yield Run(handle, state.ids.lead_id, request.contact.email, inbox)
        await handle.terminate("test done")


async def ids_to(smtp: SmtpSink, address: str, count: int) -> list[str]:
    """The Message-IDs sent to the address, once there are `count` of them."""
    async with asyncio.timeout(20):
        while True:
            found = smtp.messages_to(address)
            if len(found) >= count:
                return [m["Message-ID"].split("@")[0].split(".", 1)[1] for m in found]
            await asyncio.sleep(0.05)


async def test_unanswered_request_reminds_once_then_expires(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, smtp: SmtpSink, run: Run
) -> None:
    """A 6-day request: the link at once, one reminder 2 days before, and at the due date the
    Sales inbox is told and the request is expired; meanwhile the inbox's reminders pause."""
    now = await time_env.get_current_time()
    request_id, _ = await ask(stores, settings, run.handle, run.lead_id, now, timedelta(days=6))
    await ids_to(smtp, run.applicant, 2)  # the link is out before days are skipped
    state = await wait_for_state(run.handle, lambda s: s.waiting_for_applicant)
    assert state.history[-1].event == "information_requested"

    await skip(time_env, timedelta(days=5))
    assert await ids_to(smtp, run.applicant, 3) == [
        "acknowledgement",
        "information_request.1",
        "information_reminder.1",
    ]
    assert smtp.messages_to(run.inbox) == []  # the 3-day reminder is paused

    await skip(time_env, timedelta(days=2))
    assert await ids_to(smtp, run.inbox, 1) == ["information_expired.1"]
    assert await request_status(stores, request_id) == "expired"
    state = await run.handle.query(OnboardingWorkflow.state)
    assert not state.waiting_for_applicant

    await skip(time_env, timedelta(days=3))
    assert await ids_to(smtp, run.inbox, 2) == ["information_expired.1", "reminder.1"]


async def test_answer_resumes_reminders_and_sends_a_receipt(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, smtp: SmtpSink, run: Run
) -> None:
    """An answer on day 1: a receipt, no reminder to the applicant, the answer on the lead's
    timeline, the Sales inbox's reminder a day late; at the due date the request closes."""
    now = await time_env.get_current_time()
    # Due 10 days and 6 hours on: with the day's pause, the Sales inbox's third reminder falls
    # on day 10, and a request expiring then too would end within a second of it. The
    # time-skipping server strands a run whose task cancels a timer that fired while the task
    # was with the worker (temporalio/sdk-java#2606), which two timers that close make likely.
    wait = timedelta(days=10, hours=6)
    request_id, _ = await ask(stores, settings, run.handle, run.lead_id, now, wait)
    await ids_to(smtp, run.applicant, 2)  # the link is out before days are skipped
    await skip(time_env, timedelta(days=1))
    await answer(stores, settings, run.handle, request_id, "Here it is.")
    await wait_for_state(run.handle, lambda s: not s.waiting_for_applicant)

    await skip(time_env, timedelta(days=3, hours=12))
    assert await ids_to(smtp, run.applicant, 3) == [
        "acknowledgement",
        "information_request.1",
        "information_receipt.1",
    ]
    assert await ids_to(smtp, run.inbox, 1) == ["reminder.1"]
    notes = (await rows.sales_rows(stores, run.lead_id))["timeline_notes"]
    assert any("cert.pdf" in note["body"] for note in notes)

    await skip(time_env, timedelta(days=7))
    assert await request_status(stores, request_id) == "closed"
    assert "information_expired.1" not in await ids_to(smtp, run.inbox, 1)


async def test_the_history_holds_ids_and_hashes_only(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, run: Run
) -> None:
    """Neither the message, nor the answer's text, nor a file's bytes enter the run's history;
    the file's hash does."""
    now = await time_env.get_current_time()
    request_id, _ = await ask(stores, settings, run.handle, run.lead_id, now, timedelta(days=3))
    answered = await answer(stores, settings, run.handle, request_id, "A private answer.")
    await wait_for_state(run.handle, lambda s: s.history[-1].event == "information_answered")
    payloads = b"".join(_payloads(json.loads((await run.handle.fetch_history()).to_json())))
    assert request_id.encode() in payloads
    assert answered.files[0].sha256[:12].encode() in payloads
    for secret in (MESSAGE, "A private answer.", PDF.decode()):
        assert secret.encode() not in payloads
    # The answer's note is written before the run ends: an activity still running when the
    # test's worker stops would hold the test server's clock for the tests after this one.
    await noted(stores, run.lead_id, answered.answer_id)


def _payloads(node: Any) -> list[bytes]:
    """Every payload's data in a history as JSON, decoded."""
    if isinstance(node, dict):
        found = [base64.b64decode(node["data"])] if isinstance(node.get("data"), str) else []
        return found + [p for value in node.values() for p in _payloads(value)]
    if isinstance(node, list):
        return [p for value in node for p in _payloads(value)]
    return []


async def test_lead_decision_closes_the_open_request(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings, smtp: SmtpSink, run: Run
) -> None:
    """Qualified while the request is open, it is closed: no reminder to the applicant and no
    expiry, days later."""
    now = await time_env.get_current_time()
    request_id, _ = await ask(stores, settings, run.handle, run.lead_id, now, timedelta(days=6))
    await ids_to(smtp, run.applicant, 2)
    await run.handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await wait_for_state(run.handle, lambda s: s.ids.opportunity_id is not None)
    assert await request_status(stores, request_id) == "closed"

    await skip(time_env, timedelta(days=7))
    assert await ids_to(smtp, run.applicant, 2) == ["acknowledgement", "information_request.1"]
    assert smtp.messages_to(run.inbox) == []


async def noted(stores: Stores, lead_id: str, answer_id: str) -> None:
    """Once the lead's timeline has the answer's entry."""
    async with asyncio.timeout(20):
        while True:
            notes = (await rows.sales_rows(stores, lead_id))["timeline_notes"]
            if any(note["note_key"] == f"answer:{answer_id}" for note in notes):
                return
            await asyncio.sleep(0.05)


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def answer(
    stores: Stores,
    settings: Settings,
    handle: WorkflowHandle[OnboardingWorkflow, OnboardingState],
    request_id: str,
    text: str,
) -> InformationAnswered:
    """An answer with one PDF, kept as the applicant's page keeps it, and told to the run."""
    document = AcceptedFile("cert.pdf", "application/pdf", len(PDF), _sha(PDF), in_memory(PDF))
    documents = stores.documents(settings)
    answer_id = await stores.commerce_store().information_requests.take_answer(
        request_id, lambda: documents.store_answer(request_id, text, [document])
    )
    assert answer_id is not None
    [kept] = [a for a in await documents.answers(request_id) if a.id == answer_id]
    answered = InformationAnswered(
        request_id=request_id,
        answer_id=answer_id,
        received_at=kept.received_at,
        files=[AnsweredFile(id=f.id, sha256=f.sha256) for f in kept.files],
    )
    await handle.signal(OnboardingWorkflow.information_answered, answered)
    return answered
