"""Purchase authorizations as the storefront and the partner's admin make them."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from commerce.credit import Purchase
from commerce.store import CommerceStore
from starter.common.metrics import WebMetrics
from workflows.models import PurchaseApprovalInput
from workflows.purchase_approval import PurchaseApprovalWorkflow

log = logging.getLogger(__name__)
Row = dict[str, Any]


def approval_id(order_reference: str) -> str:
    return f"purchase-approval-{order_reference}"


class CreditService:
    def __init__(
        self,
        store: CommerceStore,
        client: Client,
        task_queue: str,
        approval_window: timedelta,
        metrics: WebMetrics,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._client = client
        self._task_queue = task_queue
        self._window = approval_window

    async def authorize(self, purchase: Purchase) -> Row:
        row, made = await self._store.credit.authorize(purchase, self._window)
        if made:
            self._metrics.authorization(row["status"], row["reason"])
        if row["status"] == "needs_approval":
            # After the commit, so that no call to Temporal holds the organization's credit
            # lock. If this start fails the storefront's retry (the same call) starts it; and
            # past its deadline the order counts as expired whether or not the run came.
            await self._client.start_workflow(
                PurchaseApprovalWorkflow.run,
                PurchaseApprovalInput(
                    order_reference=row["order_reference"], expire_after=self._window
                ),
                id=approval_id(row["order_reference"]),
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        return row

    async def get(self, order_reference: str) -> Row | None:
        return await self._store.credit.get(order_reference)

    async def step(self, order_reference: str, step: str, by: str | None = None) -> Row:
        """Invoice, cancel, approve or decline; the wait for the admin ends with a decision."""
        row, ended_wait = await self._store.credit.step(order_reference, step, by)
        if ended_wait:
            try:
                handle = self._client.get_workflow_handle_for(
                    PurchaseApprovalWorkflow.run, approval_id(order_reference)
                )
                await handle.signal(PurchaseApprovalWorkflow.decided)
            except Exception:
                # The run would find the order decided at its deadline anyway.
                log.warning("could not end the wait of %s", order_reference)
        return row
