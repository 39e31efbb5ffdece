"""Rows of the account tables that can no longer mean anything, deleted in one pass.

A session past its lifetime or idle time, a link past its expiry or used, a count of failed
sign-ins the throttle has forgotten, an acknowledgement's place in an hour long gone: none of
them can change an answer any more. A day's grace keeps the deletions clear of anything still
in flight.
"""

from __future__ import annotations

from datetime import timedelta

from commerce.sign_in_failures import FORGET_AFTER
from storage.database import Database

GRACE = timedelta(days=1)
PURGES = {
    "sessions": """DELETE FROM sessions
                   WHERE expires_at < now() OR last_seen_at < now() - $1::interval""",
    "account_tokens": """DELETE FROM account_tokens
                         WHERE expires_at < now() - $1::interval
                            OR used_at < now() - $1::interval""",
    "sign_in_failures": """DELETE FROM sign_in_failures
                           WHERE last_failure_at < now() - $1::interval""",
    # A day past its hour, an acknowledgement has gone out, or its call has given up.
    "acknowledgement_places": """DELETE FROM acknowledgement_places
                                 WHERE hour < now() - $1::interval""",
    "acknowledgement_hours": """DELETE FROM acknowledgement_hours
                                WHERE hour < now() - $1::interval""",
}


async def purge_expired(db: Database, session_idle: timedelta) -> dict[str, int]:
    """How many rows each table lost."""
    older_than = {
        "sessions": session_idle,
        "account_tokens": GRACE,
        "sign_in_failures": FORGET_AFTER + GRACE,
        "acknowledgement_places": GRACE,
        "acknowledgement_hours": GRACE,
    }
    deleted: dict[str, int] = {}
    async with db.acquire() as conn:
        for table, sql in PURGES.items():
            status = await conn.execute(sql, older_than[table])
            deleted[table] = int(status.rpartition(" ")[2] or 0)
    return deleted
