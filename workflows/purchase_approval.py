"""The wait for a partner admin's decision on an order over a user's spending limit: the
decision itself is a store transaction the web app makes; this run only declines the order
once nobody decided in time."""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_calls import store

with workflow.unsafe.imports_passed_through():
    from activities.credit import CreditActivities
    from activities.models import PurchaseRefInput
    from workflows.models import PurchaseApprovalInput


@workflow.defn
class PurchaseApprovalWorkflow:
    def __init__(self) -> None:
        self._decided = False

    @workflow.run
    async def run(self, data: PurchaseApprovalInput) -> str | None:
        """How the wait ended: "decided", or the order's status after its expiry."""
        try:
            await workflow.wait_condition(lambda: self._decided, timeout=data.expire_after)
        except TimeoutError:
            expired: str | None = await store(
                CreditActivities.expire_purchase,
                PurchaseRefInput(order_reference=data.order_reference),
            )
            return expired
        return "decided"

    @workflow.signal
    def decided(self) -> None:
        self._decided = True
