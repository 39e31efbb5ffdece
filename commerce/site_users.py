"""Site users: who may sign in to the B2B site. One site user per email, shop-wide."""

from __future__ import annotations

import asyncpg

from domain.errors import SiteUserEmailTaken
from storage.database import Database

# Which site users hold their email address, as the unique index of migration 010 says: one
# invited or active, or one who activated once (a removed user may be restored). An
# invitation that expired, or a user removed before activating, leaves the address free.
HOLDS_EMAIL = "(status IN ('invited', 'active') OR activated_at IS NOT NULL)"


class SiteUsers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def invite(
        self,
        site_user_id: str,
        person_customer_id: str,
        hierarchy_id: str,
        email: str,
    ) -> None:
        """An invited site user; the approval email carries the link that activates it."""
        try:
            await self._db.execute(
                """INSERT INTO site_users (id, customer_id, hierarchy_id, email, status)
                   VALUES ($1, $2, $3, $4, 'invited')
                   ON CONFLICT (id) DO NOTHING""",
                site_user_id,
                person_customer_id,
                hierarchy_id,
                email,
            )
        except asyncpg.UniqueViolationError as err:
            raise SiteUserEmailTaken(f"a site user with email {email} exists") from err

    async def email_held(self, email: str) -> bool:
        """Whether a site user of any organization holds the email address."""
        return bool(
            await self._db.fetchval(
                f"SELECT true FROM site_users WHERE lower(email) = lower($1) AND {HOLDS_EMAIL}",
                email,
            )
        )
