"""An invitation nobody accepts: one reminder, then expiry and a word to the admin, on the
time-skipping server."""

from __future__ import annotations

import uuid

import pytest
from temporalio.testing import WorkflowEnvironment

from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests.factories import make_request, new_invitee, now, qualified, unique_email
from tests.test_expiry import policy
from workers.worker import running_worker
from workflows.invitation import InvitationWorkflow
from workflows.models import InvitationInput, OnboardingInput, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow

pytestmark = pytest.mark.timeskipping


async def approved_hierarchy(env: WorkflowEnvironment, task_queue: str) -> tuple[str, str]:
    """Run an onboarding to approval; its hierarchy id and the admin's email."""
    reference = f"B2B-INV{uuid.uuid4().hex[:8].upper()}"
    request = make_request("en")
    handle = await env.client.start_workflow(
        OnboardingWorkflow.run,
        OnboardingInput(reference=reference, request=request, policy=policy(unique_email("s"))),
        id=reference,
        task_queue=task_queue,
    )
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await handle.signal(
        OnboardingWorkflow.close_opportunity,
        OpportunityClosed(decided_by="rep", decided_at=now(), outcome="won"),
    )
    state = await handle.result()
    assert state.ids.customer_hierarchy_id is not None
    return state.ids.customer_hierarchy_id, request.contact.email


def invitation(hierarchy_id: str, admin: str) -> InvitationInput:
    return InvitationInput(
        user=new_invitee(hierarchy_id),
        company="Contoso",
        invited_by="Aiko Sato",
        inviter_email=admin,
    )


async def test_an_unanswered_invitation_is_reminded_once_then_expires(
    time_env: WorkflowEnvironment,
    stores: Stores,
    settings: Settings,
    smtp: SmtpSink,
) -> None:
    """Day 3 brings one reminder; day 7 expires the user and tells the admin."""
    task_queue = f"invitation-{uuid.uuid4().hex[:8]}"
    async with running_worker(time_env.client, task_queue, stores, settings):
        hierarchy_id, admin = await approved_hierarchy(time_env, task_queue)
        data = invitation(hierarchy_id, admin)
        state = await time_env.client.execute_workflow(
            InvitationWorkflow.run, data, id=f"invitation-{uuid.uuid4().hex}", task_queue=task_queue
        )
    assert (state.status, state.reminded, state.emails_sent) == ("expired", True, 1)
    subjects = [str(m["Subject"]) for m in smtp.messages_to(data.user.email)]
    assert len(subjects) == 2
    assert "invites you" in subjects[0]
    assert subjects[1].startswith("Reminder:")
    told = [str(m["Subject"]) for m in smtp.messages_to(admin) if "expired" in str(m["Subject"])]
    assert told == ["Contoso B2B: the invitation of Ken Ito expired"]
    status = await stores.commerce.fetchval(
        "SELECT status FROM site_users WHERE id = $1", data.user.site_user_id
    )
    assert status == "expired"
    actions = await stores.commerce.fetch(
        "SELECT action FROM audit_log WHERE site_user_id = $1 ORDER BY id", data.user.site_user_id
    )
    assert [a["action"] for a in actions] == ["invited", "expired"]
