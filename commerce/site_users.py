"""Site users: who may sign in to the B2B site. One site user per email, shop-wide."""

from __future__ import annotations

import asyncpg

from domain.errors import SiteUserEmailTaken
from storage.database import Database


class SiteUsers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def invite(
        self,
        site_user_id: str,
        person_customer_id: str,
        hierarchy_id: str,
        email: str,
        activation_token_hash: str,
    ) -> None:
        """An invited site user; only a hash of the activation token is kept."""
        try:
            await self._db.execute(
                """INSERT INTO site_users (id, customer_id, hierarchy_id, email, status,
                       activation_token_hash)
                   VALUES ($1, $2, $3, $4, 'invited', $5)
                   ON CONFLICT (id) DO NOTHING""",
                site_user_id,
                person_customer_id,
                hierarchy_id,
                email,
                activation_token_hash,
            )
        except asyncpg.UniqueViolationError as err:
            raise SiteUserEmailTaken(f"a site user with email {email} exists") from err
