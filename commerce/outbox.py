"""The email outbox: one row per Message-ID, so a repeated send finds it went out already."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from commerce.accounts import LinkGrant, issue_link_on
from storage.database import Connection, Database


@dataclass(frozen=True)
class OutboxEmail:
    message_id: str
    reference: str
    kind: str
    sequence: int
    recipient: str
    subject: str

    def row(self) -> tuple[str, str, str, int, str, str]:
        return (
            self.message_id,
            self.reference,
            self.kind,
            self.sequence,
            self.recipient,
            self.subject,
        )


# A row when this transaction marks the email sent, none when a committed one had. An attempt
# that meets another's uncommitted mark waits for it to end, and the WHERE sees the row as it
# left it. (Comparing the mark's time with now() did not do: now() is when this transaction
# began, which can be before the other's.)
_MARK_SENT = """
    INSERT INTO email_outbox (message_id, reference, kind, sequence, recipient, subject, sent_at)
    VALUES ($1, $2, $3, $4, $5, $6, now())
    ON CONFLICT (message_id) DO UPDATE
        SET recipient = EXCLUDED.recipient, sent_at = now()
        WHERE email_outbox.sent_at IS NULL
    RETURNING true"""


async def _mark_sent_on(conn: Connection, email: OutboxEmail, link: LinkGrant | None) -> bool:
    """Mark the email sent, with its link, in the caller's transaction; whether it had been
    sent before, in which case nothing is written."""
    try:
        # A savepoint: a refused mark leaves the caller's transaction usable.
        async with conn.transaction():
            marked = await conn.fetchval(_MARK_SENT, *email.row())
    except asyncpg.UniqueViolationError:
        # The table's other key, (reference, kind, sequence), which ON CONFLICT (message_id)
        # does not arbitrate: an attempt racing ours can meet that key first, and is refused
        # only once the other attempt's mark has committed. So the email was sent before.
        return True
    if marked is None:
        return True
    if link is not None:
        await issue_link_on(conn, link)
    return False


# The first hour from `$1` on that is not full: `$1` itself, or the hour after one that is
# taken from `$1` on. (Every hour between `$1` and the first with room is taken and full, so
# that hour is `$1` or follows a taken one.)
_FIRST_HOUR_WITH_ROOM = """
    SELECT min(c.hour) FROM (
        SELECT $1::timestamptz AS hour
        UNION ALL
        SELECT hour + interval '1 hour' FROM acknowledgement_hours WHERE hour >= $1
    ) AS c
    WHERE NOT EXISTS (
        SELECT 1 FROM acknowledgement_hours h WHERE h.hour = c.hour AND h.reserved >= $2
    )"""

# Take a place in hour $2 if it has fewer than $3 taken, for email $1; its hour, or no row.
_TAKE_PLACE = """
    WITH taken AS (
        INSERT INTO acknowledgement_hours (hour, reserved) VALUES ($2, 1)
        ON CONFLICT (hour) DO UPDATE SET reserved = acknowledgement_hours.reserved + 1
            WHERE acknowledgement_hours.reserved < $3
        RETURNING hour)
    INSERT INTO acknowledgement_places (message_id, hour) SELECT $1, hour FROM taken
    ON CONFLICT (message_id) DO NOTHING
    RETURNING hour"""


class EmailOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def sending(
        self, email: OutboxEmail, link: LinkGrant | None = None
    ) -> AsyncIterator[bool]:
        """Mark the email sent in a transaction held open around the caller's send: it commits
        as soon as the send returns and rolls back if the send raises. Yields whether the
        email went out before, in which case the caller sends nothing.

        The row stays locked meanwhile, so a second attempt waits and then sees it sent; and
        the mark is written before the SMTP server answers, leaving only the commit between
        the server taking the email and the outbox saying so.

        A one-time link the email carries is issued in the same transaction: a link works
        exactly when its email is recorded as sent, so a repeated attempt's new link replaces
        one that never went out, and an email already sent keeps its own.
        """
        async with self._db.acquire() as conn, conn.transaction():
            yield await _mark_sent_on(conn, email, link)

    async def mark_sent(self, email: OutboxEmail, link: LinkGrant | None = None) -> None:
        """Mark the email sent on its own, with its link; after a failure the connection is
        closed, whatever the error, so that the caller's retry runs on a new one."""
        async with self._db.acquire(discard_on_error=True) as conn, conn.transaction():
            await _mark_sent_on(conn, email, link)

    async def acknowledgement_hour(
        self, message_id: str, per_hour: int, hour: datetime
    ) -> datetime:
        """The hour in which the acknowledgement may go out: the one it took before, or the
        first from `hour` (the current hour's start) on with fewer than `per_hour` taken,
        which it takes now. Counted here, the ceiling holds across every worker.

        Each statement stands alone, no lock is held between them: a place is taken only
        while its hour has room, so concurrent takers never overfill one; one that finds it
        full meanwhile tries the next.
        """
        taken = await self._place(message_id)
        if taken is not None:
            return taken
        candidate: datetime = await self._db.fetchval(_FIRST_HOUR_WITH_ROOM, hour, per_hour)
        while True:
            place: datetime | None = await self._db.fetchval(
                _TAKE_PLACE, message_id, candidate, per_hour
            )
            # None: the hour filled up meanwhile, or another attempt of this email took a
            # place (which then counts twice, harmlessly; two attempts at once are rare).
            place = place or await self._place(message_id)
            if place is not None:
                return place
            candidate += timedelta(hours=1)

    async def _place(self, message_id: str) -> datetime | None:
        place: datetime | None = await self._db.fetchval(
            "SELECT hour FROM acknowledgement_places WHERE message_id = $1", message_id
        )
        return place
