"""Purchase authorizations against an organization's credit, and the ledger they leave.

Every decision takes the organization's credit row with FOR UPDATE, so concurrent orders
take turns: two of them never both pass on the same last yen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from commerce import authorization
from commerce.authorization import SHOP_TIME_ZONE
from commerce.credit_lanes import OrganizationLanes
from storage.database import Connection, Database

Row = dict[str, Any]
Guard = Callable[[Connection, Row], Awaitable[None]]  # raises to refuse a decider

# FOR NO KEY UPDATE: a step may move the month's spend on the user's row.
_USER = """
    SELECT u.id, u.hierarchy_id, u.status, u.blocked_at, u.spending_limit,
           h.organization_customer_id AS customer_id
    FROM site_users u JOIN customer_hierarchies h ON h.id = u.hierarchy_id
    WHERE u.id = $1 FOR NO KEY UPDATE OF u"""
_CREDIT = """
    SELECT amount, currency, reserved, invoiced, amount - reserved - invoiced AS available
    FROM credit_limits WHERE customer_id = $1 FOR UPDATE"""


@dataclass(frozen=True)
class Purchase:
    order_reference: str
    site_user_id: str
    amount: Decimal
    currency: str


class UnknownUser(Exception):
    pass


class ReferenceReused(Exception):
    """The order reference was first used for another purchase."""


class WrongState(Exception):
    """The authorization's status does not allow this step."""


def _same(row: Row, purchase: Purchase) -> bool:
    return (row["site_user_id"], row["amount"], row["currency"]) == (
        purchase.site_user_id,
        purchase.amount,
        purchase.currency,
    )


def decide(user: Row, credit: Row | None, purchase: Purchase) -> tuple[str, str | None]:
    """The answer to a purchase, given the user and the organization's credit now."""
    if user["status"] != "active" or user["blocked_at"] is not None:
        return "declined", "user_not_active"
    if credit is None or credit["currency"] != purchase.currency:
        return "declined", "wrong_currency"
    if purchase.amount > credit["available"]:
        return "declined", "insufficient_credit"
    limit = user["spending_limit"]
    if limit is not None and purchase.amount > limit:
        return "needs_approval", "over_spending_limit"
    return "approved", None


async def _move_credit(
    conn: Connection, customer_id: str, reference: str, kind: str, amount: Decimal
) -> None:
    """One ledger row and the running totals, in the caller's transaction."""
    column = {"reserved": "reserved", "released": "reserved", "invoiced": "invoiced"}[kind]
    sign = Decimal(-1) if kind == "released" else Decimal(1)
    await conn.execute(
        f"UPDATE credit_limits SET {column} = {column} + $2 WHERE customer_id = $1",
        customer_id,
        sign * amount,
    )
    if kind == "invoiced":
        # Invoicing consumes the reservation it replaces.
        await conn.execute(
            "UPDATE credit_limits SET reserved = reserved - $2 WHERE customer_id = $1",
            customer_id,
            amount,
        )
    await conn.execute(
        """INSERT INTO credit_ledger (customer_id, kind, order_reference, amount)
           VALUES ($1, $2, $3, $4)""",
        customer_id,
        kind,
        reference,
        amount,
    )


class Credit:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lanes = OrganizationLanes()

    async def authorize(
        self, purchase: Purchase, approval_window: timedelta, time_zone: str = SHOP_TIME_ZONE
    ) -> tuple[Row, bool]:
        """The authorization, with the user's figures after it under `purchasing`, and whether
        this call made it: one statement decides (commerce/authorization.py). The same call
        again gets the same answer and reserves nothing more."""
        # Field by field: dataclasses.astuple deep-copies, a cost on every checkout.
        p = purchase
        args = (p.order_reference, p.site_user_id, p.amount, p.currency, approval_window, time_zone)
        async with self._lanes.turn(purchase.site_user_id), self._db.acquire() as conn:
            made, figures, user_found = await authorization.authorize(conn, args)
            if not user_found:
                raise UnknownUser(purchase.site_user_id)
            if made is not None:
                self._lanes.learn(purchase.site_user_id, made["customer_id"])
                return {**made, "purchasing": figures}, True
            # The reference was taken, by this purchase (its answer again) or another one.
            seen = await conn.fetchrow(
                "SELECT * FROM purchase_authorizations WHERE order_reference = $1",
                purchase.order_reference,
            )
            if seen is None or not _same(dict(seen), purchase):
                raise ReferenceReused(purchase.order_reference)
            now = await authorization.purchasing(conn, purchase.site_user_id, time_zone)
            return {**dict(seen), "purchasing": now}, False

    async def purchasing(self, site_user_id: str, time_zone: str = SHOP_TIME_ZONE) -> Row | None:
        """What the user may spend now (commerce/authorization.py); None for nobody."""
        async with self._db.acquire() as conn:
            return await authorization.purchasing(conn, site_user_id, time_zone)

    async def get(self, order_reference: str) -> Row | None:
        row = await self._db.fetchrow(
            "SELECT * FROM purchase_authorizations WHERE order_reference = $1", order_reference
        )
        return dict(row) if row else None

    async def step(
        self, order_reference: str, step: str, by: str | None = None, guard: Guard | None = None
    ) -> tuple[Row, bool]:
        """Move an authorization on: `invoice`, `cancel`, and for one awaiting a decision,
        `approve`, `decline` or `expire`. Repeating the step that made the status is a no-op;
        raises WrongState when the status does not allow the step. Returns the authorization
        and whether it ended the wait for a decision (seen under the lock); `guard` may refuse
        the decider by raising, under the same locks."""
        async with self._db.acquire() as conn, conn.transaction():
            found = await conn.fetchrow(
                """SELECT customer_id, site_user_id FROM purchase_authorizations
                   WHERE order_reference = $1""",
                order_reference,
            )
            if found is None:
                raise KeyError(order_reference)
            # The users, then the credit: the order `authorize` takes them in, so the two
            # never wait for each other. A decider's row (the guard reads it) is locked with
            # the buyer's, in id order, before the credit: taken after it, a decider placing
            # an order of their own at that moment, or two deciders deciding each other's
            # orders, would wait on each other.
            if guard is not None and by is not None:
                await conn.execute(
                    """SELECT 1 FROM site_users WHERE id = ANY($1::text[])
                       ORDER BY id FOR NO KEY UPDATE""",
                    [found["site_user_id"], by],
                )
            user = await conn.fetchrow(_USER, found["site_user_id"])
            credit = await conn.fetchrow(_CREDIT, found["customer_id"])
            # Read again under the credit lock: a step that ran meanwhile is seen. Past its
            # deadline a waiting order is expired, whether or not its run said so yet.
            current = await conn.fetchrow(
                """SELECT *, status = 'needs_approval' AND expires_at <= now() AS overdue
                   FROM purchase_authorizations WHERE order_reference = $1""",
                order_reference,
            )
            assert current is not None
            row = dict(current)
            if step in ("approve", "decline") and guard is not None:
                await guard(conn, row)
            if row.pop("overdue") and step in ("approve", "decline"):
                step = "expire"
            refusal = None
            if step == "approve":
                # The user may have been removed or blocked while the order waited, or the
                # credit used up: the order is declined, and says which.
                now: tuple[str, str | None] = ("declined", "user_not_active")
                if user is not None:
                    now = decide(dict(user), dict(credit) if credit else None, _as_purchase(row))
                if now[0] == "declined":
                    step, refusal = "refuse", now[1]
            status, reason, movement = _next(row, step, credit, refusal)
            if (status, reason) == (row["status"], row["reason"]):
                return row, False
            if movement is not None:
                await _move_credit(
                    conn, row["customer_id"], order_reference, movement, row["amount"]
                )
                await authorization.move_budget(conn, row, movement)
            updated = await conn.fetchrow(
                """UPDATE purchase_authorizations SET status = $2, reason = $3,
                       decided_by = coalesce($4, decided_by), updated_at = now()
                   WHERE order_reference = $1 RETURNING *""",
                *(order_reference, status, reason, by),
            )
            assert updated is not None
            return dict(updated), row["status"] == "needs_approval"


def _as_purchase(row: Row) -> Purchase:
    return Purchase(row["order_reference"], row["site_user_id"], row["amount"], row["currency"])


def _next(
    row: Row, step: str, credit: Any, refusal: str | None
) -> tuple[str, str | None, str | None]:
    """(status, reason, credit movement) after `step` (`refuse`: declined for `refusal`); the
    current ones when already done."""
    status = row["status"]
    done = {"invoice": "invoiced", "cancel": "cancelled"}
    if step in done and status == done[step]:
        return status, row["reason"], None
    if step == "invoice" and status == "approved":
        return "invoiced", None, "invoiced"
    if step == "cancel" and status == "approved":
        return "cancelled", None, "released"
    if step == "cancel" and status == "needs_approval":
        return "cancelled", None, None
    if status == "needs_approval":
        if step == "approve":
            if credit is None or row["amount"] > credit["available"]:
                return "declined", "insufficient_credit", None
            return "approved", None, "reserved"
        if step == "decline":
            return "declined", "admin_declined", None
        if step == "refuse":
            return "declined", refusal, None
        if step == "expire":
            return "declined", "approval_expired", None
    if step == "expire":
        return status, row["reason"], None  # decided meanwhile: nothing to expire
    raise WrongState(f"the authorization is {status}")
