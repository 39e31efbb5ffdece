"""An order that needs approval, on the time-skipping server: its deciders told at once, one
reminder a day later with the admins told, the expiry after three days; a delegation and a
removal read when each email goes out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_asyncio
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.common.metrics import WebMetrics
from starter.services.credit import CreditService, approval_id
from tests.account_helpers import wait_for_email
from tests.approval_helpers import Member, about, member, over_the_limit
from tests.test_invitation_expiry import approved_hierarchy
from tests.time_skipping import skip
from workers.worker import running_worker
from workflows.purchase_approval import PurchaseApprovalWorkflow

pytestmark = pytest.mark.timeskipping
DAY = timedelta(days=1)
Run = WorkflowHandle[PurchaseApprovalWorkflow, str | None]


@pytest_asyncio.fixture(loop_scope="session")
async def queue(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings
) -> AsyncIterator[str]:
    """A worker of its own on the time-skipping server."""
    task_queue = f"approvals-{uuid.uuid4().hex[:8]}"
    async with running_worker(time_env.client, task_queue, stores, settings):
        yield task_queue


async def organization(env: WorkflowEnvironment, queue: str, stores: Stores) -> dict[str, Member]:
    """Two admins (the requester first, active), an approver and a buyer limited to 1000 yen."""
    hierarchy_id, email = await approved_hierarchy(env, queue)
    requester: str = await stores.commerce.fetchval(
        "UPDATE site_users SET status = 'active' WHERE lower(email) = lower($1) RETURNING id",
        email,
    )
    return {
        "admin": Member(requester, email, "admin"),
        "admin2": await member(stores, hierarchy_id, "admin"),
        "approver": await member(stores, hierarchy_id, "approver"),
        "buyer": await member(stores, hierarchy_id, "buyer", limit="1000"),
    }


def service(env: WorkflowEnvironment, queue: str, stores: Stores) -> CreditService:
    """The web app's credit service, with the defaults: expiry after 3 days, escalation 1."""
    return CreditService(
        stores.commerce_store(), env.client, queue, timedelta(days=3), WebMetrics()
    )


async def waiting(env: WorkflowEnvironment, queue: str, stores: Stores, buyer: Member) -> Run:
    """The buyer's order over their limit, and the run that waits for its decision."""
    row = await service(env, queue, stores).authorize(over_the_limit(buyer))
    assert row["status"] == "needs_approval"
    return env.client.get_workflow_handle_for(
        PurchaseApprovalWorkflow.run, approval_id(row["order_reference"])
    )


def reference_of(run: Run) -> str:
    return run.id.removeprefix("purchase-approval-")


async def emails_about(smtp: SmtpSink, people: dict[str, Member], reference: str) -> dict[str, int]:
    return {role: len(about(smtp, person.email, reference)) for role, person in people.items()}


async def ended(run: Run, env: WorkflowEnvironment | None = None) -> str | None:
    """How the run ended; with `env`, once the expiry's days are skipped."""
    if env is not None:
        await skip(env, 2 * DAY)
    # The run expires the order once its timer fires: wait for it, in real time.
    async with asyncio.timeout(30):
        while True:
            if (await run.describe()).status != WorkflowExecutionStatus.RUNNING:
                break
            await asyncio.sleep(0.1)
    return await run.result()


async def test_nobody_deciding_brings_one_reminder_and_tells_the_admins_then_the_expiry(
    time_env: WorkflowEnvironment, queue: str, stores: Stores, smtp: SmtpSink
) -> None:
    """Day 0: both admins and the approver; day 1: one reminder, the admins told; day 3: gone."""
    people = await organization(time_env, queue, stores)
    run = await waiting(time_env, queue, stores, people["buyer"])
    reference = reference_of(run)
    for role in ("admin", "admin2", "approver"):
        await wait_for_email(smtp, people[role].email, reference)
    await skip(time_env, DAY + timedelta(minutes=1))
    await wait_for_email(smtp, people["approver"].email, "Reminder")
    for role in ("admin", "admin2"):
        await wait_for_email(smtp, people[role].email, "Escalated")
    assert await ended(run, time_env) == "declined"
    after = await stores.commerce_store().credit.get(reference)
    assert after is not None
    assert (after["status"], after["reason"]) == ("declined", "approval_expired")
    assert await emails_about(smtp, people, reference) == {
        "admin": 2, "admin2": 2, "approver": 2, "buyer": 0,
    }  # fmt: skip


async def test_a_decision_ends_the_wait_before_any_reminder(
    time_env: WorkflowEnvironment, queue: str, stores: Stores, smtp: SmtpSink
) -> None:
    """The approver approves on day 0: the run ends as decided, and nobody is reminded."""
    people = await organization(time_env, queue, stores)
    run = await waiting(time_env, queue, stores, people["buyer"])
    reference = reference_of(run)
    await wait_for_email(smtp, people["approver"].email, reference)
    approver = await stores.commerce_store().accounts.by_id("site", people["approver"].site_user_id)
    assert approver is not None
    decided = await service(time_env, queue, stores).decide(approver, reference, "approve")
    assert decided["status"] == "approved"
    assert await ended(run) == "decided"
    assert await emails_about(smtp, people, reference) == {
        "admin": 1, "admin2": 1, "approver": 1, "buyer": 0,
    }  # fmt: skip


async def test_a_delegation_is_read_when_each_email_goes_out(
    time_env: WorkflowEnvironment, queue: str, stores: Stores, smtp: SmtpSink
) -> None:
    """Delegated on day 0, the approver gets nothing and the delegate decides; ended on
    day 1, the reminder reaches the approver again."""
    people = await organization(time_env, queue, stores)
    approver, delegate = people["approver"], people["admin2"]
    hierarchy_id: str = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE id = $1", approver.site_user_id
    )
    delegations = stores.commerce_store().delegations
    far = datetime.now(UTC) + timedelta(days=30)
    assert await delegations.delegate(
        hierarchy_id,
        approver.site_user_id,
        delegate.site_user_id,
        date.today(),
        far,
        "t:1" + uuid.uuid4().hex,
    )
    run = await waiting(time_env, queue, stores, people["buyer"])
    reference = reference_of(run)
    for role in ("admin", "admin2"):
        await wait_for_email(smtp, people[role].email, reference)
    assert about(smtp, approver.email, reference) == []
    assert await delegations.end_delegation(
        hierarchy_id, approver.site_user_id, "t:2" + uuid.uuid4().hex
    )
    await skip(time_env, DAY + timedelta(minutes=1))
    await wait_for_email(smtp, approver.email, "Reminder")
    account = await stores.commerce_store().accounts.by_id("site", delegate.site_user_id)
    assert account is not None
    await service(time_env, queue, stores).decide(account, reference, "decline")
    assert await ended(run) == "decided"


async def test_an_approver_removed_while_the_order_waits_gets_no_reminder(
    time_env: WorkflowEnvironment, queue: str, stores: Stores, smtp: SmtpSink
) -> None:
    """Told on day 0, removed on day 0: day 1's reminder goes to the others only."""
    people = await organization(time_env, queue, stores)
    run = await waiting(time_env, queue, stores, people["buyer"])
    reference = reference_of(run)
    await wait_for_email(smtp, people["approver"].email, reference)
    await stores.commerce_store().accounts.set_site_user_status(
        people["approver"].site_user_id, "removed"
    )
    await skip(time_env, DAY + timedelta(minutes=1))
    for role in ("admin", "admin2"):
        await wait_for_email(smtp, people[role].email, "Escalated")
    assert await ended(run, time_env) == "declined"
    assert len(about(smtp, people["approver"].email, reference)) == 1
