"""An organization's credit limit as staff change it, and what partners and staff read of
its credit: the limit, what is available, the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storage.database import Database

Row = dict[str, Any]


class CreditLimits:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def change(
        self, customer_id: str, amount: Decimal, changed_by: str, reason: str, change_key: str
    ) -> Row | None:
        """Set a new limit with its reason, kept in the history and the ledger; None when the
        organization has no credit limit to change."""
        async with self._db.acquire() as conn, conn.transaction():
            old = await conn.fetchrow(
                "SELECT amount, currency FROM credit_limits WHERE customer_id = $1 FOR UPDATE",
                customer_id,
            )
            if old is None:
                return None
            added = await conn.fetchval(
                """INSERT INTO credit_limit_changes (customer_id, change_key, old_amount,
                       new_amount, currency, changed_by, reason)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)
                   ON CONFLICT (change_key) DO NOTHING RETURNING true""",
                customer_id,
                change_key,
                old["amount"],
                amount,
                old["currency"],
                changed_by,
                reason,
            )
            if added:
                await conn.execute(
                    """UPDATE credit_limits SET amount = $2, updated_at = now()
                       WHERE customer_id = $1""",
                    customer_id,
                    amount,
                )
                await conn.execute(
                    """INSERT INTO credit_ledger (customer_id, kind, amount)
                       VALUES ($1, 'limit_changed', $2)""",
                    customer_id,
                    amount - old["amount"],
                )
        return await self.summary(customer_id)

    async def summary(self, customer_id: str) -> Row | None:
        row = await self._db.fetchrow(
            """SELECT amount, currency, reserved, invoiced,
                      amount - reserved - invoiced AS available
               FROM credit_limits WHERE customer_id = $1""",
            customer_id,
        )
        return dict(row) if row else None

    async def changes(self, customer_id: str) -> list[Row]:
        """The limit's history, latest first; who changed it is kept as an id (a staff
        account's, or `api:<name>`), its name looked up now."""
        rows = await self._db.fetch(
            """SELECT c.old_amount, c.new_amount, c.currency, c.changed_by,
                      coalesce(s.name, c.changed_by) AS changed_by_name, c.reason, c.changed_at
               FROM credit_limit_changes c LEFT JOIN staff_accounts s ON s.id = c.changed_by
               WHERE c.customer_id = $1 ORDER BY c.id DESC""",
            customer_id,
        )
        return [dict(r) for r in rows]

    async def ledger(self, customer_id: str, limit: int = 200) -> list[Row]:
        rows = await self._db.fetch(
            """SELECT kind, order_reference, amount, at FROM credit_ledger
               WHERE customer_id = $1 ORDER BY id DESC LIMIT $2""",
            customer_id,
            limit,
        )
        return [dict(r) for r in rows]
