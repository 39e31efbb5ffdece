"""Delegations of approvals: an approver (or admin) away hands what reaches them to another
approver or admin of the same organization until a date; each change is in the
organization's audit log. Who decides what, with them, is commerce/approvals.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from commerce.audit_log import audit_on
from storage.database import Database

Row = dict[str, Any]


class Delegations:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def candidates(self, hierarchy_id: str, site_user_id: str) -> list[Row]:
        """Whom the user may delegate to: the organization's other active approvers and
        admins."""
        rows = await self._db.fetch(
            """SELECT u.id AS site_user_id, c.name, m.role FROM site_users u
               JOIN customer_hierarchy_members m
                   ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
               JOIN customers c ON c.id = u.customer_id
               WHERE u.hierarchy_id = $1 AND u.id <> $2 AND m.role IN ('admin', 'approver')
                 AND u.status = 'active' AND u.blocked_at IS NULL
               ORDER BY c.name, u.id""",
            hierarchy_id,
            site_user_id,
        )
        return [dict(r) for r in rows]

    async def delegation(self, site_user_id: str) -> Row | None:
        """The user's delegation that has not ended yet, with the delegate's name."""
        row = await self._db.fetchrow(
            """SELECT d.delegate_id, c.name AS delegate_name, d.until, d.ends_at
               FROM approval_delegations d JOIN site_users u ON u.id = d.delegate_id
               JOIN customers c ON c.id = u.customer_id
               WHERE d.delegator_id = $1 AND d.ends_at > now()""",
            site_user_id,
        )
        return dict(row) if row else None

    async def delegate(
        self,
        hierarchy_id: str,
        delegator_id: str,
        delegate_id: str,
        until: date,
        ends_at: datetime,
        change_key: str,
    ) -> bool:
        """Delegate the delegator's approvals until `ends_at`, replacing any delegation they
        had; False (nothing written) unless both are active approvers or admins of the
        organization and not the same user. Both rows are locked for share, so a removal or
        demotion at the same time is either seen or waits."""
        async with self._db.acquire() as conn, conn.transaction():
            found = await conn.fetch(
                """SELECT u.id FROM site_users u JOIN customer_hierarchy_members m
                       ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
                   WHERE u.hierarchy_id = $1 AND u.id = ANY($2::text[])
                     AND m.role IN ('admin', 'approver') AND u.status = 'active'
                     AND u.blocked_at IS NULL
                   FOR SHARE OF u, m""",
                hierarchy_id,
                sorted({delegator_id, delegate_id}),
            )
            if delegator_id == delegate_id or len(found) != 2:
                return False
            before = await conn.fetchrow(
                """SELECT delegate_id, until FROM approval_delegations
                   WHERE delegator_id = $1 AND ends_at > now()""",
                delegator_id,
            )
            await conn.execute(
                """INSERT INTO approval_delegations
                       (delegator_id, hierarchy_id, delegate_id, until, ends_at)
                   VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (delegator_id) DO UPDATE SET delegate_id = EXCLUDED.delegate_id,
                       until = EXCLUDED.until, ends_at = EXCLUDED.ends_at, created_at = now()""",
                delegator_id,
                hierarchy_id,
                delegate_id,
                until,
                ends_at,
            )
            await audit_on(
                conn,
                hierarchy_id,
                change_key,
                delegator_id,
                "approvals_delegated",
                delegate_id,
                dict(before) if before else None,
                {"delegate_id": delegate_id, "until": until},
            )
        return True

    async def end_delegation(self, hierarchy_id: str, delegator_id: str, change_key: str) -> bool:
        """End the user's delegation now; False when they had none running."""
        async with self._db.acquire() as conn, conn.transaction():
            ended = await conn.fetchrow(
                """DELETE FROM approval_delegations
                   WHERE delegator_id = $1 AND hierarchy_id = $2 AND ends_at > now()
                   RETURNING delegate_id, until""",
                delegator_id,
                hierarchy_id,
            )
            if ended is None:
                return False
            await audit_on(
                conn, hierarchy_id, change_key, delegator_id, "delegation_ended",
                ended["delegate_id"], dict(ended), None,
            )  # fmt: skip
        return True
