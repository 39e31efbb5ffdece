"""The purchase authorization in one statement, and what a user may still spend.

One statement locks the user's row and then the organization's credit row, reads the user's
limits and this month's spend (kept on the user's row) and the organization's threshold,
decides, inserts the order and moves the credit, the ledger and the month's spend. The locks
are held for that one statement only, one round trip, instead of across several.

Every figure the decision reads sits on one of the two rows it locks, so it is read as the
last transaction to commit left it (PostgreSQL reads a locked row afresh), not as the
statement's snapshot had it: two orders never both pass on the same last yen of credit or
of a budget.

Decisions, in this order (the first that applies): `declined` for `user_not_active`,
`wrong_currency`, `insufficient_credit`; then `needs_approval` for `over_spending_limit` (the
order alone is above the user's per-order limit), `over_monthly_budget` (with the month's
approved and invoiced orders it would pass the user's budget), `over_approval_threshold` (it
is above the organization's threshold); else `approved`. The user's own limits come before
the organization's rule, as SPEC lists them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storage.database import Connection

Row = dict[str, Any]
# ONBOARDING_SHOP_TIME_ZONE's default: the calendar month of a budget is Tokyo's.
SHOP_TIME_ZONE = "Asia/Tokyo"
FIGURES = (
    "currency",
    "available_credit",
    "spending_limit",
    "monthly_budget",
    "monthly_budget_remaining",
    "approval_threshold",
)

# $1 reference, $2 site user, $3 amount, $4 currency, $5 approval window, $6 time zone.
AUTHORIZE = """
WITH u AS (
    SELECT u.id, u.hierarchy_id, u.status AS user_status, u.blocked_at, u.spending_limit,
           u.monthly_budget,
           h.organization_customer_id AS customer_id, m.month,
           CASE WHEN u.budget_month = m.month THEN u.budget_spent ELSE 0 END AS spent
    FROM site_users u
    JOIN customer_hierarchies h ON h.id = u.hierarchy_id
    CROSS JOIN (SELECT date_trunc('month', now() AT TIME ZONE $6::text)::date AS month) m
    WHERE u.id = $2::text
    FOR NO KEY UPDATE OF u
), c AS (
    SELECT customer_id, currency::text AS currency, approval_threshold,
           amount - reserved - invoiced AS available
    FROM credit_limits WHERE customer_id = (SELECT customer_id FROM u)
    FOR NO KEY UPDATE
), d AS (
    SELECT u.*, c.currency, c.available, c.approval_threshold, v.status, v.reason
    FROM u LEFT JOIN c ON true
    CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (1, u.user_status <> 'active' OR u.blocked_at IS NOT NULL, 'declined', 'user_not_active'),
        (2, c.currency IS DISTINCT FROM $4::text, 'declined', 'wrong_currency'),
        (3, $3::numeric > c.available, 'declined', 'insufficient_credit'),
        (4, $3::numeric > u.spending_limit, 'needs_approval', 'over_spending_limit'),
        (5, u.spent + $3::numeric > u.monthly_budget, 'needs_approval', 'over_monthly_budget'),
        (6, $3::numeric > c.approval_threshold, 'needs_approval', 'over_approval_threshold'),
        (7, true, 'approved', NULL)
    ) AS r (rank, applies, status, reason) WHERE r.applies ORDER BY r.rank LIMIT 1) v
), ins AS (
    INSERT INTO purchase_authorizations (order_reference, customer_id, hierarchy_id,
        site_user_id, amount, currency, status, reason, expires_at, budget_month)
    SELECT $1::text, d.customer_id, d.hierarchy_id, d.id, $3::numeric, $4::text, d.status,
           d.reason, CASE WHEN d.status = 'needs_approval' THEN now() + $5::interval END,
           d.month
    FROM d
    ON CONFLICT (order_reference) DO NOTHING
    RETURNING *
), credit AS (
    UPDATE credit_limits l SET reserved = l.reserved + ins.amount
    FROM ins WHERE l.customer_id = ins.customer_id AND ins.status = 'approved'
    RETURNING l.amount - l.reserved - l.invoiced AS available
), ledger AS (
    INSERT INTO credit_ledger (customer_id, kind, order_reference, amount)
    SELECT customer_id, 'reserved', order_reference, amount FROM ins
    WHERE status = 'approved'
), spend AS (
    UPDATE site_users s SET budget_month = d.month, budget_spent = d.spent + ins.amount
    FROM ins, d WHERE s.id = ins.site_user_id AND ins.status = 'approved'
    RETURNING s.budget_spent
)
SELECT (SELECT count(*) FROM u) = 1 AS user_found, ins.*,
       d.currency AS figure_currency,
       coalesce((SELECT available FROM credit), d.available) AS figure_available_credit,
       d.spending_limit AS figure_spending_limit,
       d.monthly_budget AS figure_monthly_budget,
       CASE WHEN d.monthly_budget IS NOT NULL THEN greatest(0,
           d.monthly_budget - coalesce((SELECT budget_spent FROM spend), d.spent))
       END AS figure_monthly_budget_remaining,
       d.approval_threshold AS figure_approval_threshold
FROM (SELECT 1) AS one LEFT JOIN ins ON true LEFT JOIN d ON true"""

# $1 site user, $2 time zone.
PURCHASING = """
SELECT c.currency::text AS currency, c.amount - c.reserved - c.invoiced AS available_credit,
       u.spending_limit, u.monthly_budget,
       CASE WHEN u.monthly_budget IS NOT NULL THEN greatest(0, u.monthly_budget
           - CASE WHEN u.budget_month = date_trunc('month', now() AT TIME ZONE $2::text)::date
             THEN u.budget_spent ELSE 0 END)
       END AS monthly_budget_remaining,
       c.approval_threshold
FROM site_users u
JOIN customer_hierarchies h ON h.id = u.hierarchy_id
LEFT JOIN credit_limits c ON c.customer_id = h.organization_customer_id
WHERE u.id = $1::text"""

# An order approved after its wait counts against the month it was placed in: this month's
# spend when that is the month on the user's row, a later month's start when the row still
# has an earlier one, and nothing when the row has moved on (that month is over). A release
# takes back what its month still holds.
_CHARGE = """
UPDATE site_users SET
    budget_spent = CASE WHEN budget_month = $2 THEN budget_spent + $3 ELSE $3 END,
    budget_month = $2
WHERE id = $1 AND (budget_month IS NULL OR budget_month <= $2)"""
_RELEASE = """
UPDATE site_users SET budget_spent = greatest(budget_spent - $3, 0)
WHERE id = $1 AND budget_month = $2"""


async def authorize(conn: Connection, args: tuple[Any, ...]) -> tuple[Row | None, Row, bool]:
    """(the order as inserted, or None when its reference was taken; the figures after the
    decision; whether the user exists)."""
    found = dict(await conn.fetchrow(AUTHORIZE, *args) or {})
    figures = {name: found.pop(f"figure_{name}") for name in FIGURES}
    user_found = bool(found.pop("user_found"))
    return (found if found.get("order_reference") else None), figures, user_found


async def purchasing(conn: Connection, site_user_id: str, time_zone: str) -> Row | None:
    """What the user may still spend: the organization's currency and available credit, the
    user's per-order limit, monthly budget and what is left of it, the threshold."""
    row = await conn.fetchrow(PURCHASING, site_user_id, time_zone)
    return dict(row) if row else None


async def move_budget(conn: Connection, order: Row, kind: str) -> None:
    """Charge (`reserved`) or give back (`released`) an order's amount in its month's spend, in
    the caller's transaction, under the locks of its decision."""
    if order.get("budget_month") is None or kind not in ("reserved", "released"):
        return  # placed before budgets were counted, or invoiced: still spent
    statement = _CHARGE if kind == "reserved" else _RELEASE
    amount: Decimal = order["amount"]
    await conn.execute(statement, order["site_user_id"], order["budget_month"], amount)
