"""Who decides an order that needs approval: the organization's approvers and admins, and
whoever one of them delegated to, read now (never when the order was placed), so a removed
or blocked approver drops out and a new one comes in.

The buyer who placed an order never decides it, unless they are the organization's only
admin. While a delegation runs, the delegate may decide what the delegator may, and the
emails that would reach the delegator (who is away) reach the delegate instead; the
delegator may still decide. Two who delegated to each other are both emailed.
"""

from __future__ import annotations

from typing import Any

from commerce.audit_log import audit_on
from storage.database import Connection, Database

Row = dict[str, Any]
DECIDING_ROLES = ("admin", "approver")

# The orders in `o` (order_reference, hierarchy_id, placer) and, per order, each site user
# who may decide it with the role that lets them (`admin`, `approver` or `delegate`) and
# whether they are away (delegated to someone who is not away too): no email then.
_ROUTES = """
    WITH o AS ({orders}),
    deciders AS (
        SELECT u.id, m.role, u.hierarchy_id FROM site_users u
        JOIN customer_hierarchy_members m
            ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
        WHERE u.hierarchy_id IN (SELECT hierarchy_id FROM o)
          AND m.role IN ('admin', 'approver') AND u.status = 'active' AND u.blocked_at IS NULL),
    delegations AS (
        SELECT d.delegator_id, d.delegate_id, x.hierarchy_id
        FROM approval_delegations d JOIN deciders x ON x.id = d.delegator_id
        JOIN site_users u ON u.id = d.delegate_id AND u.hierarchy_id = x.hierarchy_id
        WHERE d.ends_at > now() AND u.status = 'active' AND u.blocked_at IS NULL),
    away AS (
        SELECT delegator_id AS id FROM delegations
        WHERE delegate_id NOT IN (SELECT delegator_id FROM delegations)),
    everyone AS (
        SELECT * FROM deciders
        UNION ALL SELECT delegate_id, 'delegate', hierarchy_id FROM delegations),
    sole_admins AS (
        SELECT min(id) AS id FROM deciders WHERE role = 'admin'
        GROUP BY hierarchy_id HAVING count(*) = 1),
    routes AS (
        SELECT DISTINCT ON (o.order_reference, e.id)
               o.order_reference, e.id AS site_user_id, e.role,
               e.id IN (SELECT id FROM away) AS away
        FROM o JOIN everyone e ON e.hierarchy_id = o.hierarchy_id
        WHERE e.id <> o.placer OR e.id IN (SELECT id FROM sole_admins)
        ORDER BY o.order_reference, e.id, e.role = 'delegate')"""

_ONE_ORDER = """SELECT order_reference, hierarchy_id, site_user_id AS placer
                FROM purchase_authorizations WHERE order_reference = $1"""
_WAITING = """SELECT order_reference, hierarchy_id, site_user_id AS placer
              FROM purchase_authorizations
              WHERE hierarchy_id = $1 AND status = 'needs_approval' AND expires_at > now()"""


class NotADecider(Exception):
    """The account may not decide this order (now)."""


class Approvals:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recipients(self, order_reference: str) -> list[Row]:
        """Whom emails about the order reach now: its deciders but those away, with their
        email, name, role and language."""
        rows = await self._db.fetch(
            _ROUTES.format(orders=_ONE_ORDER)
            + """
            SELECT r.site_user_id, r.role, u.email, c.name,
                   coalesce(p.locale, op.locale, 'en') AS locale
            FROM routes r JOIN site_users u ON u.id = r.site_user_id
            JOIN customers c ON c.id = u.customer_id
            LEFT JOIN prospects p ON p.id = c.prospect_id
            JOIN customer_hierarchies h ON h.id = u.hierarchy_id
            JOIN customers oc ON oc.id = h.organization_customer_id
            LEFT JOIN prospects op ON op.id = oc.prospect_id
            WHERE NOT r.away ORDER BY r.site_user_id""",
            order_reference,
        )
        return [dict(r) for r in rows]

    async def order(self, order_reference: str) -> Row | None:
        """What an email about the order says: amount, reason, buyer, company, deadline."""
        row = await self._db.fetchrow(
            """SELECT a.order_reference, a.status, a.amount, a.currency, a.reason,
                      a.expires_at, c.name AS buyer, h.name AS company
               FROM purchase_authorizations a JOIN site_users u ON u.id = a.site_user_id
               JOIN customers c ON c.id = u.customer_id
               JOIN customer_hierarchies h ON h.id = a.hierarchy_id
               WHERE a.order_reference = $1""",
            order_reference,
        )
        return dict(row) if row else None

    async def waiting_for(self, hierarchy_id: str, site_user_id: str) -> list[Row]:
        """The orders of the organization that wait for a decision this user may take,
        oldest first."""
        rows = await self._db.fetch(
            _ROUTES.format(orders=_WAITING)
            + """
            SELECT a.order_reference, a.amount, a.currency, a.reason, a.created_at,
                   a.expires_at, c.name AS buyer, r.role
            FROM routes r JOIN purchase_authorizations a USING (order_reference)
            JOIN site_users u ON u.id = a.site_user_id JOIN customers c ON c.id = u.customer_id
            WHERE r.site_user_id = $2 ORDER BY a.created_at""",
            hierarchy_id,
            site_user_id,
        )
        return [dict(r) for r in rows]

    @staticmethod
    async def check_decider(conn: Connection, order: Row, decider_id: str, decision: str) -> None:
        """In the decision's transaction: refuse (NotADecider) an account that may not decide
        the order now, else record the decision in the organization's audit log. The
        decider's rows are locked for share, so a removal or demotion waits for the decision
        (and one that committed first is seen)."""
        await conn.execute(
            """SELECT 1 FROM site_users u JOIN customer_hierarchy_members m
                   ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
               WHERE u.id = $1 FOR SHARE OF u, m""",
            decider_id,
        )
        allowed = await conn.fetchval(
            _ROUTES.format(orders=_ONE_ORDER) + " SELECT true FROM routes WHERE site_user_id = $2",
            order["order_reference"],
            decider_id,
        )
        if not allowed:
            raise NotADecider(decider_id)
        await audit_on(
            conn,
            order["hierarchy_id"],
            f"purchase-decision:{order['order_reference']}",
            decider_id,
            "purchase_decided",
            order["site_user_id"],
            {"order_reference": order["order_reference"], "status": order["status"]},
            {"order_reference": order["order_reference"], "decision": decision},
        )

    async def approves(self, site_user_id: str) -> bool:
        """Whether the user is an active approver or admin now."""
        found = await self._db.fetchval(
            """SELECT true FROM site_users u JOIN customer_hierarchy_members m
                   ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
               WHERE u.id = $1 AND m.role IN ('admin', 'approver') AND u.status = 'active'
                 AND u.blocked_at IS NULL""",
            site_user_id,
        )
        return bool(found)
