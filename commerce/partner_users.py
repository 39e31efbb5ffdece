"""The users of a partner organization as its admin manages them, each change audited."""

from __future__ import annotations

from typing import Any

import asyncpg

from commerce.audit_log import audit_entries, audit_on
from commerce.customers import person_name
from commerce.site_users import HOLDS_EMAIL
from domain.errors import LastAdmin, SiteUserEmailTaken
from domain.partner_users import NewUser
from storage.database import Database

Row = dict[str, Any]
EDITABLE = (
    "first_name", "last_name", "job_title", "phone", "spending_limit", "monthly_budget", "role"
)  # fmt: skip
KEEP_ADMIN = "organization_keeps_an_admin"

_USERS = """
    SELECT u.id AS site_user_id, u.customer_id, u.hierarchy_id, u.email, c.first_name,
           c.last_name, c.name, c.job_title, c.phone, m.role, u.status, u.spending_limit,
           u.monthly_budget,
           u.blocked_at IS NOT NULL AS blocked, u.invitation_id, u.invited_by,
           u.last_sign_in_at, u.invited_at
    FROM site_users u
    JOIN customers c ON c.id = u.customer_id
    JOIN customer_hierarchy_members m
        ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id"""


class PartnerUsers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_invited(
        self, user: NewUser, invitation_id: str, invited_by: str, change_key: str
    ) -> None:
        """Customer, hierarchy member (role User) and invited site user, all or none; a retry
        writes nothing more. An email taken by any site user of the shop is refused."""
        name = person_name(user.first_name, user.last_name, user.locale)
        try:
            async with self._db.acquire() as conn, conn.transaction():
                await conn.execute(
                    """INSERT INTO customers (id, customer_type, name, first_name, last_name,
                           email, phone, job_title)
                       VALUES ($1, 'person', $2, $3, $4, $5, $6, $7)
                       ON CONFLICT (id) DO NOTHING""",
                    user.customer_id,
                    name,
                    user.first_name,
                    user.last_name,
                    user.email,
                    user.phone,
                    user.job_title,
                )
                await conn.execute(
                    """INSERT INTO customer_hierarchy_members (hierarchy_id, customer_id, role)
                       VALUES ($1, $2, 'buyer') ON CONFLICT DO NOTHING""",
                    user.hierarchy_id,
                    user.customer_id,
                )
                await conn.execute(
                    """INSERT INTO site_users (id, customer_id, hierarchy_id, email, status,
                           spending_limit, invitation_id, invited_by)
                       VALUES ($1, $2, $3, $4, 'invited', $5, $6, $7)
                       ON CONFLICT (id) DO NOTHING""",
                    user.site_user_id,
                    user.customer_id,
                    user.hierarchy_id,
                    user.email,
                    user.spending_limit,
                    invitation_id,
                    invited_by,
                )
                after = {
                    "email": user.email,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "job_title": user.job_title,
                    "phone": user.phone,
                    "spending_limit": user.spending_limit,
                    "role": "buyer",
                }
                await audit_on(
                    conn,
                    user.hierarchy_id,
                    change_key,
                    invited_by,
                    "invited",
                    user.site_user_id,
                    None,
                    after,
                )
        except asyncpg.UniqueViolationError as err:
            raise SiteUserEmailTaken(f"a site user with email {user.email} exists") from err

    async def users(self, hierarchy_id: str) -> list[Row]:
        rows = await self._db.fetch(
            f"{_USERS} WHERE u.hierarchy_id = $1 ORDER BY m.role, c.name", hierarchy_id
        )
        return [dict(r) for r in rows]

    async def user(self, hierarchy_id: str, site_user_id: str) -> Row | None:
        """One user of this organization; None for a user of another (who does not exist here)."""
        row = await self._db.fetchrow(
            f"{_USERS} WHERE u.hierarchy_id = $1 AND u.id = $2", hierarchy_id, site_user_id
        )
        return dict(row) if row else None

    async def invited_by_run(self, email: str, invitation_id: str) -> bool:
        """Whether the email's user is still invited by that invitation (a double click)."""
        return bool(
            await self._db.fetchval(
                """SELECT true FROM site_users WHERE lower(email) = lower($1)
                   AND invitation_id = $2 AND status = 'invited'""",
                email,
                invitation_id,
            )
        )

    async def record(
        self, hierarchy_id: str, change_key: str, actor: str, action: str, site_user_id: str
    ) -> None:
        """An audit entry for an action that changes no row of ours (an email sent again)."""
        async with self._db.acquire() as conn:
            await audit_on(conn, hierarchy_id, change_key, actor, action, site_user_id)

    async def invitations_of(self, reference: str) -> list[str]:
        """The invitation runs of the organization an onboarding approved."""
        rows = await self._db.fetch(
            """SELECT DISTINCT u.invitation_id FROM site_users u
               JOIN customer_hierarchies h ON h.id = u.hierarchy_id
               JOIN customers o ON o.id = h.organization_customer_id
               JOIN prospects p ON p.id = o.prospect_id
               WHERE p.reference = $1 AND u.invitation_id IS NOT NULL""",
            reference,
        )
        return [r["invitation_id"] for r in rows]

    async def email_in_use(self, email: str) -> bool:
        """Whether a site user of any organization holds the email (an expired invitation or
        a user removed before activating holds it no more)."""
        return bool(
            await self._db.fetchval(
                f"SELECT true FROM site_users WHERE lower(email) = lower($1) AND {HOLDS_EMAIL}",
                email,
            )
        )

    async def edit(
        self, hierarchy_id: str, site_user_id: str, changes: Row, actor: str, change_key: str
    ) -> bool:
        """Change the user's details, limits and role (None: kept), all or none; False when
        there is no such user. Raises LastAdmin when it would leave the organization none."""
        try:
            return await self._edit(hierarchy_id, site_user_id, changes, actor, change_key)
        except asyncpg.CheckViolationError as err:
            if err.constraint_name == KEEP_ADMIN:
                raise LastAdmin(site_user_id) from None
            raise

    async def _edit(
        self, hierarchy_id: str, site_user_id: str, changes: Row, actor: str, change_key: str
    ) -> bool:
        changes = {k: v for k, v in changes.items() if k != "role" or v is not None}
        async with self._db.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"{_USERS} WHERE u.hierarchy_id = $1 AND u.id = $2 FOR UPDATE OF u, c, m",
                hierarchy_id,
                site_user_id,
            )
            if row is None:
                return False
            before = {k: row[k] for k in EDITABLE}
            after = {**before, **{k: v for k, v in changes.items() if k in EDITABLE}}
            if after == before:
                return True
            # The name keeps the order it was written in (family name first in Japanese).
            family_first = row["name"] == f"{row['last_name']} {row['first_name']}"
            name = person_name(
                after["first_name"], after["last_name"], "ja" if family_first else "en"
            )
            await conn.execute(
                """UPDATE customers SET first_name = $2, last_name = $3, job_title = $4,
                       phone = $5, name = $6
                   WHERE id = $1""",
                row["customer_id"],
                after["first_name"],
                after["last_name"],
                after["job_title"],
                after["phone"],
                name,
            )
            await conn.execute(
                "UPDATE site_users SET spending_limit = $2, monthly_budget = $3 WHERE id = $1",
                site_user_id,
                after["spending_limit"],
                after["monthly_budget"],
            )
            await conn.execute(
                """UPDATE customer_hierarchy_members SET role = $3
                   WHERE hierarchy_id = $1 AND customer_id = $2 AND role <> $3""",
                hierarchy_id,
                row["customer_id"],
                after["role"],
            )
            changed = [k for k in EDITABLE if before[k] != after[k]]
            await audit_on(
                conn,
                hierarchy_id,
                change_key,
                actor,
                "edited",
                site_user_id,
                {k: before[k] for k in changed},
                {k: after[k] for k in changed},
            )
        return True

    async def audit(self, hierarchy_id: str, limit: int = 200) -> list[Row]:
        return await audit_entries(self._db, hierarchy_id, limit)

    async def by_id(self, site_user_id: str) -> Row | None:
        """One user whatever their organization: staff reach users by id alone."""
        row = await self._db.fetchrow(f"{_USERS} WHERE u.id = $1", site_user_id)
        return dict(row) if row else None
