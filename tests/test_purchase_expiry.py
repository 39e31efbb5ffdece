"""An order nobody approves: declined when the wait runs out, on the time-skipping server."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from commerce.credit import Purchase
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests.test_invitation_expiry import approved_hierarchy
from workers.worker import running_worker
from workflows.models import PurchaseApprovalInput
from workflows.purchase_approval import PurchaseApprovalWorkflow

pytestmark = pytest.mark.timeskipping


async def test_an_order_awaiting_the_admin_is_declined_when_the_wait_runs_out(
    time_env: WorkflowEnvironment, stores: Stores, settings: Settings
) -> None:
    """Three days without a decision: declined as expired, and nothing was ever reserved."""
    task_queue = f"purchase-{uuid.uuid4().hex[:8]}"
    store = stores.commerce_store()
    async with running_worker(time_env.client, task_queue, stores, settings):
        _, admin = await approved_hierarchy(time_env, task_queue)
        user = await stores.commerce.fetchval(
            """UPDATE site_users SET status = 'active', spending_limit = 100
               WHERE lower(email) = lower($1) RETURNING id""",
            admin,
        )
        reference = f"ORD-{uuid.uuid4().hex[:12]}"

        async def not_yet(row: dict[str, Any]) -> None:
            """The wait starts below, on the time-skipping server."""

        row, _ = await store.credit.authorize(
            Purchase(reference, user, Decimal("5000"), "JPY"), timedelta(days=3), not_yet
        )
        assert row["status"] == "needs_approval"
        ended = await time_env.client.execute_workflow(
            PurchaseApprovalWorkflow.run,
            PurchaseApprovalInput(order_reference=reference, expire_after=timedelta(days=3)),
            id=f"purchase-approval-{reference}",
            task_queue=task_queue,
        )
    assert ended == "declined"
    after = await store.credit.get(reference)
    assert after is not None
    assert (after["status"], after["reason"]) == ("declined", "approval_expired")
    reserved = await stores.commerce.fetchval(
        "SELECT count(*) FROM credit_ledger WHERE order_reference = $1", reference
    )
    assert reserved == 0
