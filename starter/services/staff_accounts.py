"""Staff accounts from the command line: add one with the one-time link that sets its
password; disable, enable or list them; reset a member's second factor."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from accounts.tokens import new_token, token_hash
from commerce.accounts import Account, LinkGrant
from plumbing.settings import Settings
from plumbing.stores import open_stores


async def add_staff(settings: Settings, email: str, name: str) -> tuple[Account, str | None]:
    """The account and a link that sets its password: an activation link for a new account,
    a reset link (an hour) for an existing active one, none for a disabled one (no link of a
    disabled account works: `staff enable` first)."""
    async with open_stores(settings) as stores:
        store = stores.commerce_store()
        account = await store.accounts.add_staff(f"STF-{uuid.uuid4().hex[:20]}", email, name)
        if account.status == "disabled":
            return account, None
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


# Who the staff audit log names for a change made at the command line: the operator who runs
# it has no account of ours.
CLI_ACTOR = "cli"
AccessChange = Literal["disable", "enable", "reset-factor"]


async def staff_members(settings: Settings) -> list[dict[str, Any]]:
    """Every staff account: email, name, status, last sign-in, whether a factor is set."""
    async with open_stores(settings) as stores:
        return await stores.commerce_store().staff_access.members()


async def change_access(
    settings: Settings, change: AccessChange, email: str
) -> dict[str, Any] | None:
    """Disable (its sessions end at once), enable, or reset the second factor of (its
    sessions end too) the account with this email, audited as the command line's; the
    account after it, or None when there is no such account."""
    async with open_stores(settings) as stores:
        access = stores.commerce_store().staff_access
        if change == "reset-factor":
            return await access.reset_second_factor(email, CLI_ACTOR)
        return await access.set_disabled(email, change == "disable", CLI_ACTOR)
