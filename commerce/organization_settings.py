"""What an organization's admin decides for everyone in it: whether each user must pass a
second factor at sign-in. A change is an entry of the organization's audit log."""

from __future__ import annotations

from commerce.audit_log import audit_on
from storage.database import Database


class OrganizationSettings:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_second_factor_required(
        self, hierarchy_id: str, required: bool, actor: str, change_key: str
    ) -> bool:
        """Require a second factor of every user of the organization, or leave it to each;
        False when there is no such organization. Saving what is already set logs nothing."""
        async with self._db.acquire() as conn, conn.transaction():
            before = await conn.fetchval(
                """SELECT second_factor_required FROM customer_hierarchies
                   WHERE id = $1 FOR UPDATE""",
                hierarchy_id,
            )
            if before is None:
                return False
            if before != required:
                await conn.execute(
                    "UPDATE customer_hierarchies SET second_factor_required = $2 WHERE id = $1",
                    hierarchy_id,
                    required,
                )
                await audit_on(
                    conn,
                    hierarchy_id,
                    change_key,
                    actor,
                    "second_factor_required" if required else "second_factor_optional",
                    None,
                    {"second_factor_required": before},
                    {"second_factor_required": required},
                )
        return True
