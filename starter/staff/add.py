"""`python -m starter staff add EMAIL "NAME"`: a staff account, and a one-time link to set
its password (printed, for the person who runs the command to hand over)."""

from __future__ import annotations

import argparse
import asyncio
import re
import uuid

from accounts.tokens import new_token, token_hash
from commerce.accounts import LinkGrant
from domain.request import EMAIL
from plumbing.settings import Settings
from plumbing.stores import open_stores


async def add_staff(settings: Settings, email: str, name: str) -> str:
    """The account's activation link; an existing account (same email) gets a new link."""
    async with open_stores(settings) as stores:
        store = stores.commerce_store()
        account = await store.accounts.add_staff(f"STF-{uuid.uuid4().hex[:20]}", email, name)
        token = new_token()
        await store.accounts.issue_link(
            LinkGrant(
                audience="staff",
                account_id=account.id,
                purpose="activation",
                token_hash=token_hash(token),
                lifetime=settings.onboarding_activation_ttl,
            )
        )
    return f"{settings.onboarding_store_url.rstrip('/')}/staff/activate?token={token}"


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
    link = asyncio.run(add_staff(Settings(), email, name))
    print(f"Staff account {email} ({name}).")
    print(f"Set its password with this link (it works once): {link}")
