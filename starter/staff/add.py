"""`python -m starter staff add EMAIL "NAME"`: a staff account, and a one-time link to set
its password (printed, for the person who runs the command to hand over)."""

from __future__ import annotations

import argparse
import asyncio
import re
import uuid

from accounts.tokens import new_token, token_hash
from commerce.accounts import Account, LinkGrant
from domain.request import EMAIL
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


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m starter staff add")
    parser.add_argument("email")
    parser.add_argument("name")
    args = parser.parse_args(argv)
    email, name = args.email.strip(), " ".join(args.name.split())
    if not re.fullmatch(EMAIL, email) or len(email) > 254:
        parser.error(f"not an email address: {email!r}")
    if not name or len(name) > 200:
        parser.error("the name must have 1 to 200 characters")
    account, link = asyncio.run(add_staff(Settings(), email, name))
    print(f"Staff account {account.email} ({account.name}), {account.status}.")
    print(f"Set its password with this link (it works once): {link}")
