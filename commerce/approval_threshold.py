"""An organization's approval threshold as its admins set it: every order above it needs
approval, whoever places it. It sits on the credit row, beside the limit it may not exceed,
where the purchase authorization reads it under the credit lock."""

from __future__ import annotations

from decimal import Decimal

from commerce.audit_log import audit_on
from storage.database import Database


class ThresholdAboveCredit(Exception):
    """The threshold would be above the organization's credit limit."""


class ApprovalThresholds:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, customer_id: str) -> Decimal | None:
        threshold: Decimal | None = await self._db.fetchval(
            "SELECT approval_threshold FROM credit_limits WHERE customer_id = $1", customer_id
        )
        return threshold

    async def set(
        self,
        hierarchy_id: str,
        customer_id: str,
        threshold: Decimal | None,
        actor: str,
        change_key: str,
    ) -> bool:
        """Set (None: remove) the threshold, audited under the actor's account id; False when
        the organization has no credit limit. Checked against the limit under its row lock;
        raises ThresholdAboveCredit, changing nothing."""
        async with self._db.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT amount, approval_threshold FROM credit_limits
                   WHERE customer_id = $1 FOR NO KEY UPDATE""",
                customer_id,
            )
            if row is None:
                return False
            if threshold is not None and threshold > row["amount"]:
                raise ThresholdAboveCredit(customer_id)
            if row["approval_threshold"] == threshold:
                return True
            await conn.execute(
                "UPDATE credit_limits SET approval_threshold = $2 WHERE customer_id = $1",
                customer_id,
                threshold,
            )
            await audit_on(
                conn,
                hierarchy_id,
                change_key,
                actor,
                "threshold_changed",
                None,
                {"approval_threshold": row["approval_threshold"]},
                {"approval_threshold": threshold},
            )
        return True
