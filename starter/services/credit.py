"""Purchase authorizations as the storefront and the partner's admin make them, and the
organization's credit as its admin reads it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from commerce.accounts import Account
from commerce.approvals import Approvals
from commerce.authorization import SHOP_TIME_ZONE
from commerce.credit import Guard
from commerce.credit import Purchase as Purchase
from commerce.credit import ReferenceReused as ReferenceReused
from commerce.credit import UnknownUser as UnknownUser
from commerce.credit import WrongState as WrongState
from commerce.store import CommerceStore
from starter.services.errors import NotFound
from workflows.models import PurchaseApprovalInput
from workflows.purchase_approval import PurchaseApprovalWorkflow

log = logging.getLogger(__name__)
Row = dict[str, Any]
ORDER_REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
_REFERENCE = re.compile(ORDER_REFERENCE)
ADMIN_DECISIONS = ("approve", "decline")
AUTHORIZATION = "purchase authorization"
# The decline of an order whose organization the monthly re-check flagged (see `_frozen`).
UNVERIFIED = "organization_unverified"


def approval_id(order_reference: str) -> str:
    return f"purchase-approval-{order_reference}"


def is_order_reference(value: str) -> bool:
    """Whether an order could have this reference: one that cannot (a NUL, say) is unknown
    like any other, and never reaches the store."""
    return _REFERENCE.fullmatch(value) is not None


def frozen_answer(purchase: Purchase) -> Row:
    """The decline of an order of a flagged organization. Not kept as the order's answer: the
    same order asked again once staff cleared the flag is decided on its merits."""
    now = datetime.now(UTC)
    return {
        "order_reference": purchase.order_reference,
        "status": "declined",
        "reason": UNVERIFIED,
        "site_user_id": purchase.site_user_id,
        "amount": purchase.amount,
        "currency": purchase.currency,
        "expires_at": None,
        "created_at": now,
        "updated_at": now,
    }


class AuthorizationCounter(Protocol):
    def authorization(self, answer: str, reason: str | None) -> None: ...


@dataclass(frozen=True)
class Ledger:
    # The credit limit with what is reserved, invoiced and available; None without a limit.
    summary: Row | None
    entries: list[Row]


class CreditService:
    def __init__(
        self,
        store: CommerceStore,
        client: Client,
        task_queue: str,
        approval_window: timedelta,
        metrics: AuthorizationCounter,
        freeze_unverified: bool = False,
        escalate_after: timedelta = timedelta(days=1),
        shop_time_zone: str = SHOP_TIME_ZONE,
    ) -> None:
        self._time_zone = shop_time_zone
        self._store = store
        # ONBOARDING_FREEZE_UNVERIFIED: a flagged organization's orders are declined.
        self._freeze = freeze_unverified
        self._metrics = metrics
        self._client = client
        self._task_queue = task_queue
        self._window = approval_window
        self._escalate_after = escalate_after

    async def authorize(self, purchase: Purchase) -> Row:
        """Approve (and reserve), ask the admin, or decline; raises UnknownUser or
        ReferenceReused."""
        if self._freeze and await self._frozen(purchase):
            self._metrics.authorization("declined", UNVERIFIED)
            figures = await self._store.credit.purchasing(purchase.site_user_id, self._time_zone)
            return {**frozen_answer(purchase), "purchasing": figures}
        row, made = await self._store.credit.authorize(purchase, self._window, self._time_zone)
        if made:
            self._metrics.authorization(row["status"], row["reason"])
        if row["status"] == "needs_approval":
            # After the commit, so that no call to Temporal holds the organization's credit
            # lock. If this start fails the storefront's retry (the same call) starts it; and
            # past its deadline the order counts as expired whether or not the run came.
            await self._client.start_workflow(
                PurchaseApprovalWorkflow.run,
                PurchaseApprovalInput(
                    order_reference=row["order_reference"],
                    expire_after=self._window,
                    escalate_after=self._escalate_after,
                ),
                id=approval_id(row["order_reference"]),
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        return row

    async def _frozen(self, purchase: Purchase) -> bool:
        """Whether the user's organization has a flag staff have not cleared, and the order
        is a new one: an order authorized before keeps its answer."""
        flags = self._store.partner_flags
        if not await flags.organization_flagged(purchase.site_user_id):
            return False
        return await self._store.credit.get(purchase.order_reference) is None

    async def get(self, order_reference: str) -> Row:
        row = (
            await self._store.credit.get(order_reference)
            if is_order_reference(order_reference)
            else None
        )
        if row is None:
            raise NotFound(AUTHORIZATION)
        return await self._with_figures(row)

    async def purchasing(self, site_user_id: str) -> Row:
        """What the user may spend now: the organization's currency and available credit,
        the per-order limit, the monthly budget and what is left of it this month, the
        threshold (None where none is set). Raises NotFound for an unknown user."""
        figures = await self._store.credit.purchasing(site_user_id, self._time_zone)
        if figures is None:
            raise NotFound("site user")
        return figures

    async def _with_figures(self, row: Row) -> Row:
        figures = await self._store.credit.purchasing(row["site_user_id"], self._time_zone)
        return {**row, "purchasing": figures}

    async def step(
        self, order_reference: str, step: str, by: str | None = None, guard: Guard | None = None
    ) -> Row:
        """Invoice, cancel, approve or decline; the wait for the admin ends with a decision.
        Raises NotFound, or WrongState when the authorization's status does not allow it."""
        if not is_order_reference(order_reference):
            raise NotFound(AUTHORIZATION)
        try:
            row, ended_wait = await self._store.credit.step(order_reference, step, by, guard)
        except KeyError:
            raise NotFound(AUTHORIZATION) from None
        if ended_wait:
            try:
                handle = self._client.get_workflow_handle_for(
                    PurchaseApprovalWorkflow.run, approval_id(order_reference)
                )
                await handle.signal(PurchaseApprovalWorkflow.decided)
            except Exception:
                # The run would find the order decided at its deadline anyway.
                log.warning("could not end the wait of %s", order_reference)
        return await self._with_figures(row)

    async def decide(self, decider: Account, order_reference: str, decision: str) -> Row:
        """One of the order's deciders now (an approver, an admin, a delegate: see
        commerce/approvals.py) approves or declines it; anyone else gets NotADecider, checked
        under the order's locks, and the decision is audited in the same transaction."""
        if decision not in ADMIN_DECISIONS:
            raise NotFound(AUTHORIZATION)
        # Another organization's order is nobody's here.
        if (await self.get(order_reference))["hierarchy_id"] != decider.hierarchy_id:
            raise NotFound(AUTHORIZATION)

        async def guard(conn: Any, row: Row) -> None:
            await Approvals.check_decider(conn, row, decider.id, decision)

        # The decision keeps the decider's id: renaming the account later changes no decision.
        return await self.step(order_reference, decision, decider.id, guard)

    async def ledger(self, admin: Account) -> Ledger:
        """The admin's organization's credit, and what moved it."""
        assert admin.customer_id is not None
        limits = self._store.credit_limits
        return Ledger(
            await limits.summary(admin.customer_id), await limits.ledger(admin.customer_id)
        )
