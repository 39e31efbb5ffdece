"""`python -m starter staff disable|enable|reset-factor EMAIL` and `python -m starter staff
list`: who on the staff has access, switched off at once when they leave, and a new second
factor for a lost phone. Each change is written to the staff audit log."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from plumbing.settings import Settings
from starter.services.staff_accounts import AccessChange, change_access, staff_members

COMMANDS = ("disable", "enable", "list", "reset-factor")
DONE: dict[AccessChange, str] = {
    "disable": "disabled; every session of it has ended",
    "enable": "enabled",
    "reset-factor": "has no second factor now; every session of it has ended, and its next "
    "sign-in enrols a new one",
}
_COLUMNS = ("email", "name", "status", "last sign-in", "second factor")


def _row(member: dict[str, Any]) -> tuple[str, ...]:
    signed_in = member["last_sign_in_at"]
    return (
        member["email"],
        member["name"],
        member["status"],
        signed_in.strftime("%Y-%m-%d %H:%M UTC") if signed_in else "never",
        "yes" if member["second_factor"] else "no",
    )


def table(members: list[dict[str, Any]]) -> str:
    """The members as aligned columns under a header."""
    rows = [_COLUMNS, *(_row(m) for m in members)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def main(command: str, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m starter staff {command}")
    if command == "list":
        parser.parse_args(argv)
        print(table(asyncio.run(staff_members(Settings.from_environment()))))
        return
    parser.add_argument("email")
    email = parser.parse_args(argv).email.strip()
    [change] = [c for c in DONE if c == command]
    member = asyncio.run(change_access(Settings.from_environment(), change, email))
    if member is None:
        raise SystemExit(f"no staff account has the email {email}")
    print(f"Staff account {member['email']} ({member['name']}) {DONE[change]}.")
    print(table([member]))
