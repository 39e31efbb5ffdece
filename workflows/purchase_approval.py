"""The wait for a decision on an order that needs approval: the decision itself is a store
transaction the web app makes; this run tells the deciders, reminds them once nobody decided
within the escalation time (the admins are told), and declines the order once nobody decided
in time."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_calls import send_email_by, store

with workflow.unsafe.imports_passed_through():
    from activities.approvals import ApprovalActivities
    from activities.credit import CreditActivities
    from activities.models import ApprovalNoticeInput, PurchaseRefInput
    from workflows.models import PurchaseApprovalInput

Notice = Literal["request", "reminder"]


@workflow.defn
class PurchaseApprovalWorkflow:
    def __init__(self) -> None:
        self._decided = False

    @workflow.run
    async def run(self, data: PurchaseApprovalInput) -> str | None:
        """How the wait ended: "decided", or the order's status after its expiry."""
        started = workflow.now()
        await self._notify(data, "request")
        # Counted from the start: the first emails may have taken a while to go out.
        escalate_in = max(data.escalate_after - (workflow.now() - started), timedelta(seconds=1))
        if data.escalate_after < data.expire_after and not await self._decided_within(escalate_in):
            await self._notify(data, "reminder")
        left = data.expire_after - (workflow.now() - started)
        if await self._decided_within(max(left, timedelta(seconds=1))):
            return "decided"
        expired: str | None = await store(
            CreditActivities.expire_purchase,
            PurchaseRefInput(order_reference=data.order_reference),
        )
        return expired

    async def _decided_within(self, wait: timedelta) -> bool:
        """Whether a decision came (or had come) within `wait`: no timer once it has."""
        if self._decided:
            return True
        try:
            await workflow.wait_condition(lambda: self._decided, timeout=wait)
        except TimeoutError:
            return False
        return True

    async def _notify(self, data: PurchaseApprovalInput, notice: Notice) -> None:
        """The emails to the deciders of now; when they cannot go out for a day they are
        given up on, not the wait."""
        try:
            await send_email_by(
                ApprovalActivities.notify_deciders,
                ApprovalNoticeInput(
                    order_reference=data.order_reference,
                    notice=notice,
                    escalate_after=data.escalate_after,
                ),
            )
        except ActivityError:
            workflow.logger.warning("gave up telling the deciders (%s)", notice)

    @workflow.signal
    def decided(self) -> None:
        self._decided = True
