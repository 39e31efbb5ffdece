"""Recordings of PurchaseApprovalWorkflow for the replay test: an order nobody decides (told,
reminded, expired), and one decided on day 0."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from plumbing.stores import Stores
from starter.common.metrics import WebMetrics
from starter.services.credit import CreditService, approval_id
from tests.approval_helpers import Member, member, over_the_limit
from tests.test_approval_escalation import DAY, Run, ended
from tests.test_invitation_expiry import approved_hierarchy
from tests.time_skipping import skip
from workflows.purchase_approval import PurchaseApprovalWorkflow


async def _waiting(service: CreditService, env: WorkflowEnvironment, buyer: Member) -> Run:
    row = await service.authorize(over_the_limit(buyer))
    return env.client.get_workflow_handle_for(
        PurchaseApprovalWorkflow.run, approval_id(row["order_reference"])
    )


async def _save(run: Run, histories: Path, name: str) -> None:
    history = await run.fetch_history()
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    (histories / f"{stamp}-v1-{name}.json").write_text(history.to_json())
    print("recorded", name)


async def _told(run: Run) -> None:
    """Once the run's first emails are out."""
    async with asyncio.timeout(60):
        while not any(  # noqa: ASYNC110 - the history is read, not awaited
            event.HasField("activity_task_completed_event_attributes")
            for event in (await run.fetch_history()).events
        ):
            await asyncio.sleep(0.2)


async def record_approvals(
    env: WorkflowEnvironment, task_queue: str, stores: Stores, histories: Path
) -> None:
    hierarchy_id, _ = await approved_hierarchy(env, task_queue)
    await member(stores, hierarchy_id, "admin")
    approver = await member(stores, hierarchy_id, "approver")
    buyer = await member(stores, hierarchy_id, "buyer", limit="1000")
    store = stores.commerce_store()
    service = CreditService(store, env.client, task_queue, timedelta(days=3), WebMetrics())

    run = await _waiting(service, env, buyer)
    await _told(run)
    await skip(env, DAY + timedelta(minutes=1))
    assert await ended(run, env) == "declined"
    await _save(run, histories, "purchase-approval-reminded-expired")

    run = await _waiting(service, env, buyer)
    await _told(run)
    account = await store.accounts.by_id("site", approver.site_user_id)
    assert account is not None
    await service.decide(account, run.id.removeprefix("purchase-approval-"), "approve")
    assert await ended(run) == "decided"
    await _save(run, histories, "purchase-approval-decided")
