"""`python -m starter staff add EMAIL "NAME"`: a staff account, and a one-time link to set
its password (printed, for the person who runs the command to hand over)."""

from __future__ import annotations

import argparse
import asyncio
import re

from domain.request import EMAIL
from plumbing.settings import Settings
from starter.services.staff_accounts import add_staff


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
    account, link = asyncio.run(add_staff(Settings.from_environment(), email, name))
    print(f"Staff account {account.email} ({account.name}), {account.status}.")
    if link is None:
        raise SystemExit(f"It is disabled: python -m starter staff enable {account.email} first.")
    print(f"Set its password with this link (it works once): {link}")
