"""A staff account, and the one-time link that sets its password."""

from __future__ import annotations

import uuid

from accounts.tokens import new_token, token_hash
from commerce.accounts import Account, LinkGrant
from plumbing.settings import Settings
from plumbing.stores import open_stores


async def add_staff(settings: Settings, email: str, name: str) -> tuple[Account, str]:
    """The account and a link that sets its password: an activation link for a new account,
    a reset link (an hour) for an existing active one."""
    async with open_stores(settings) as stores:
        store = stores.commerce_store()
        account = await store.accounts.add_staff(f"STF-{uuid.uuid4().hex[:20]}", email, name)
        token = new_token()
        reset = account.status == "active"
        await store.accounts.issue_link(
            LinkGrant(
                audience="staff",
                account_id=account.id,
                purpose="reset" if reset else "activation",
                token_hash=token_hash(token),
                lifetime=settings.onboarding_reset_ttl
                if reset
                else settings.onboarding_activation_ttl,
            )
        )
    page = "reset-password" if reset else "activate"
    return account, f"{settings.onboarding_store_url.rstrip('/')}/staff/{page}?token={token}"
