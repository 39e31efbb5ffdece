"""An order nobody approves: declined when the wait runs out, on the time-skipping server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from commerce.credit import Purchase
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.common.metrics import WebMetrics
from starter.services.credit import CreditService, approval_id
from tests.test_invitation_expiry import approved_hierarchy
from tests.time_skipping import skip
from workers.worker import running_worker
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
        # As the web app does it: the order, then the run that waits for the admin.
        service = CreditService(store, time_env.client, task_queue, timedelta(days=3), WebMetrics())
        row = await service.authorize(Purchase(reference, user, Decimal("5000"), "JPY"))
        assert row["status"] == "needs_approval"
        handle = time_env.client.get_workflow_handle_for(
            PurchaseApprovalWorkflow.run, approval_id(reference)
        )
        await skip(time_env, timedelta(days=3, minutes=1))
        # The run expires the order once its timer fires: wait for it, in real time.
        async with asyncio.timeout(30):
            while True:
                if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                    break
                await asyncio.sleep(0.1)
    after = await store.credit.get(reference)
    assert after is not None
    assert (after["status"], after["reason"]) == ("declined", "approval_expired")
    reserved = await stores.commerce.fetchval(
        "SELECT count(*) FROM credit_ledger WHERE order_reference = $1", reference
    )
    assert reserved == 0
