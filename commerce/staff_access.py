"""Who on the staff has access, switched off and on from the command line, and the audit log
of those changes.

Disabling an account ends its sessions in the same transaction: its open pages are signed out
at their next request. Every change is written to the staff audit log with its actor (an id,
or `cli` for the operator at the command line), inside the change's own transaction.
"""

from __future__ import annotations

from typing import Any, Literal

from storage.database import Connection, Database

Row = dict[str, Any]
StaffAction = Literal["disabled", "enabled", "second_factor_reset", "second_factor_enrolled"]

_MEMBER = """SELECT s.id, s.email, s.name, s.status, s.last_sign_in_at,
                    EXISTS (SELECT 1 FROM totp_factors f
                            WHERE f.audience = 'staff' AND f.account_id = s.id
                              AND f.verified_at IS NOT NULL) AS second_factor
             FROM staff_accounts s"""


class StaffAccess:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def members(self) -> list[Row]:
        """Every staff account with its status, last sign-in and whether a factor is set."""
        rows = await self._db.fetch(f"{_MEMBER} ORDER BY lower(s.email)")
        return [dict(r) for r in rows]

    async def member(self, email: str) -> Row | None:
        row = await self._db.fetchrow(f"{_MEMBER} WHERE lower(s.email) = lower($1)", email)
        return dict(row) if row else None

    async def set_disabled(self, email: str, disabled: bool, actor: str) -> Row | None:
        """Disable the account (its sessions end at once) or enable it again (active if it
        has a password, else invited); the account as it is after. None for an unknown email.
        A change that changes nothing is not logged."""
        async with self._db.acquire() as conn, conn.transaction():
            account_id = await conn.fetchval(
                "SELECT id FROM staff_accounts WHERE lower(email) = lower($1) FOR UPDATE", email
            )
            if account_id is None:
                return None
            changed = await conn.fetchval(
                """UPDATE staff_accounts
                   SET status = CASE WHEN $2 THEN 'disabled'
                                     WHEN password_hash IS NULL THEN 'invited'
                                     ELSE 'active' END
                   WHERE id = $1 AND (status = 'disabled') <> $2
                   RETURNING true""",
                account_id,
                disabled,
            )
            if disabled:
                await _end_sessions(conn, account_id)
            if changed:
                await record_on(conn, account_id, actor, "disabled" if disabled else "enabled")
        return await self.member(email)

    async def reset_second_factor(self, email: str, actor: str) -> Row | None:
        """Remove the account's factor and its recovery codes and end its sessions: the next
        sign-in enrols again. None for an unknown email."""
        async with self._db.acquire() as conn, conn.transaction():
            account_id = await conn.fetchval(
                "SELECT id FROM staff_accounts WHERE lower(email) = lower($1) FOR UPDATE", email
            )
            if account_id is None:
                return None
            # The recovery codes go with the factor (ON DELETE CASCADE).
            await conn.execute(
                "DELETE FROM totp_factors WHERE audience = 'staff' AND account_id = $1",
                account_id,
            )
            # Its wrong codes went to the old factor: the new one starts afresh.
            await conn.execute(
                "DELETE FROM sign_in_failures WHERE key = 'second-factor:staff:' || $1",
                account_id,
            )
            await _end_sessions(conn, account_id)
            await record_on(conn, account_id, actor, "second_factor_reset")
        return await self.member(email)

    async def record(self, staff_account_id: str, actor: str, action: StaffAction) -> None:
        async with self._db.acquire() as conn:
            await record_on(conn, staff_account_id, actor, action)

    async def entries(self, staff_account_id: str, limit: int = 100) -> list[Row]:
        """The account's latest entries first, each actor's name looked up as it is now."""
        rows = await self._db.fetch(
            """SELECT l.at, l.actor, coalesce(a.name, l.actor) AS actor_name, l.action
               FROM staff_audit_log l LEFT JOIN staff_accounts a ON a.id = l.actor
               WHERE l.staff_account_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT $2""",
            staff_account_id,
            limit,
        )
        return [dict(r) for r in rows]


async def record_on(conn: Connection, staff_account_id: str, actor: str, action: str) -> None:
    await conn.execute(
        "INSERT INTO staff_audit_log (staff_account_id, actor, action) VALUES ($1, $2, $3)",
        staff_account_id,
        actor,
        action,
    )


async def _end_sessions(conn: Connection, account_id: str) -> None:
    await conn.execute(
        "DELETE FROM sessions WHERE audience = 'staff' AND account_id = $1", account_id
    )
