"""Buyer organizations as their admins shape them: more admins, approvers, buyers, limits and
budgets, written straight into the Commerce store."""

from __future__ import annotations

from plumbing.stores import Stores
from tests.factories import invited_under, unique_email


async def member(stores: Stores, hierarchy_id: str, role: str, email: str | None = None) -> str:
    """An active member with `role` in the organization; their site user id."""
    user = await invited_under(stores, hierarchy_id, email or unique_email(f"{role}.member"))
    async with stores.commerce.acquire() as conn, conn.transaction():
        await conn.execute(
            """UPDATE customer_hierarchy_members SET role = $3
               WHERE hierarchy_id = $1 AND customer_id = $2""",
            hierarchy_id,
            user.customer_id,
            role,
        )
        await conn.execute(
            "UPDATE site_users SET status = 'active', activated_at = now() WHERE id = $1",
            user.site_user_id,
        )
    return user.site_user_id


async def hierarchy_of(stores: Stores, site_user_id: str) -> str:
    hierarchy_id: str | None = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE id = $1", site_user_id
    )
    assert hierarchy_id is not None
    return hierarchy_id


async def another_admin_beside(stores: Stores, email: str) -> None:
    """A second active admin in the organization of the site user with `email`, so that the
    first may leave it (an organization never has none)."""
    hierarchy_id: str | None = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE lower(email) = lower($1) AND status = 'active'",
        email,
    )
    assert hierarchy_id is not None
    await member(stores, hierarchy_id, "admin")
