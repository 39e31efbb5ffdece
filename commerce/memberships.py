"""A partner user's standing: status, staff block, and the admin role (several admins, never
none: the database refuses a change that would leave none, see migration 016)."""

from __future__ import annotations

from typing import Any

import asyncpg

from commerce.audit_log import audit_on
from commerce.partner_users import KEEP_ADMIN
from domain.errors import LastAdmin
from storage.database import Connection, Database

Row = dict[str, Any]

# Which statuses each move starts from, and where it leads.
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "removed": (("invited", "active", "expired"), "removed"),
    "restored": (("removed",), "active"),
    "reinvited": (("removed", "expired"), "invited"),
    "expired": (("invited",), "expired"),
    "cancelled": (("invited",), "removed"),
}


def _last_admin(err: asyncpg.CheckViolationError, site_user_id: str) -> None:
    if err.constraint_name == KEEP_ADMIN:
        raise LastAdmin(site_user_id) from None


async def _end_sessions(conn: Connection, site_user_id: str) -> None:
    await conn.execute(
        "DELETE FROM sessions WHERE audience = 'site' AND account_id = $1", site_user_id
    )


class Memberships:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def move(
        self,
        hierarchy_id: str,
        site_user_id: str,
        move: str,
        actor: str,
        change_key: str,
        invitation_id: str | None = None,
    ) -> str | None:
        """Apply a move if the user's status allows it; the new status, or None when the user
        is not in this organization or not in a status the move starts from; LastAdmin for the
        organization's last admin. A user leaving `active` is signed out at once. Nor can a
        user come back whose freed email address another holds now."""
        try:
            return await self._move(
                hierarchy_id, site_user_id, move, actor, change_key, invitation_id
            )
        except asyncpg.UniqueViolationError:
            return None
        except asyncpg.CheckViolationError as err:
            _last_admin(err, site_user_id)
            raise

    async def _move(
        self,
        hierarchy_id: str,
        site_user_id: str,
        move: str,
        actor: str,
        change_key: str,
        invitation_id: str | None,
    ) -> str | None:
        starts_from, to = MOVES[move]
        async with self._db.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT u.status, m.role FROM site_users u
                   JOIN customer_hierarchy_members m
                       ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
                   WHERE u.id = $1 AND u.hierarchy_id = $2 FOR UPDATE OF u, m""",
                site_user_id,
                hierarchy_id,
            )
            if row is None or row["status"] not in starts_from:
                return None
            await conn.execute(
                """UPDATE site_users SET status = $2, status_changed_at = now(),
                       invitation_id = coalesce($3, invitation_id)
                   WHERE id = $1""",
                site_user_id,
                to,
                invitation_id,
            )
            if to != "active":
                await _end_sessions(conn, site_user_id)
            await audit_on(
                conn,
                hierarchy_id,
                change_key,
                actor,
                move,
                site_user_id,
                {"status": row["status"]},
                {"status": to},
            )
        return to

    async def set_blocked(
        self, site_user_id: str, blocked: bool, actor: str, change_key: str
    ) -> Row | None:
        """Staff block a user (treated as removed, sessions end) or unblock them; LastAdmin
        for the organization's last admin."""
        try:
            return await self._set_blocked(site_user_id, blocked, actor, change_key)
        except asyncpg.CheckViolationError as err:
            _last_admin(err, site_user_id)
            raise

    async def _set_blocked(
        self, site_user_id: str, blocked: bool, actor: str, change_key: str
    ) -> Row | None:
        async with self._db.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT hierarchy_id, blocked_at IS NOT NULL AS was_blocked FROM site_users
                   WHERE id = $1 FOR UPDATE""",
                site_user_id,
            )
            if row is None:
                return None
            await conn.execute(
                """UPDATE site_users
                   SET blocked_at = CASE WHEN $2 THEN coalesce(blocked_at, now()) END
                   WHERE id = $1""",
                site_user_id,
                blocked,
            )
            if blocked:
                await _end_sessions(conn, site_user_id)
            if row["was_blocked"] != blocked:
                await audit_on(
                    conn,
                    row["hierarchy_id"],
                    change_key,
                    actor,
                    "blocked" if blocked else "unblocked",
                    site_user_id,
                    {"blocked": row["was_blocked"]},
                    {"blocked": blocked},
                )
        return {"site_user_id": site_user_id, "blocked": blocked}

    async def hand_over_admin(
        self, hierarchy_id: str, from_user_id: str, to_user_id: str, actor: str, change_key: str
    ) -> bool:
        """An admin makes another active user an admin too ("make admin"); the admin stays one
        (stepping down is a role change of their own)."""
        async with self._db.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT u.id, u.customer_id, u.status, u.blocked_at, m.role FROM site_users u
                   JOIN customer_hierarchy_members m
                       ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
                   WHERE u.hierarchy_id = $1 AND u.id = ANY($2::text[])
                   ORDER BY u.id FOR UPDATE OF u, m""",
                hierarchy_id,
                [from_user_id, to_user_id],
            )
            found = {r["id"]: r for r in rows}
            old, new = found.get(from_user_id), found.get(to_user_id)
            if old is None or new is None or old["role"] != "admin" or new["role"] == "admin":
                return False
            if new["status"] != "active" or new["blocked_at"] is not None:
                return False
            await conn.execute(
                """UPDATE customer_hierarchy_members SET role = 'admin'
                   WHERE hierarchy_id = $1 AND customer_id = $2""",
                hierarchy_id,
                new["customer_id"],
            )
            await audit_on(
                conn,
                hierarchy_id,
                change_key,
                actor,
                "admin_handed_over",
                to_user_id,
                {"admin": from_user_id},
                {"admin": to_user_id},
            )
        return True

    async def status_of(self, site_user_id: str) -> str | None:
        """The user's status; `blocked` while staff block them, whatever the status."""
        status: str | None = await self._db.fetchval(
            """SELECT CASE WHEN blocked_at IS NULL THEN status ELSE 'blocked' END
               FROM site_users WHERE id = $1""",
            site_user_id,
        )
        return status

    async def admin_email(self, hierarchy_id: str) -> str | None:
        email: str | None = await self._db.fetchval(
            """SELECT u.email FROM customer_hierarchy_members m
               JOIN site_users u ON u.customer_id = m.customer_id
               WHERE m.hierarchy_id = $1 AND m.role = 'admin'""",
            hierarchy_id,
        )
        return email
