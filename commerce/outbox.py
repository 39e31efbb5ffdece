"""The email outbox: one row per Message-ID, so a repeated send finds it went out already."""

from __future__ import annotations

from storage.database import Database


class EmailOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enter(
        self,
        message_id: str,
        reference: str,
        kind: str,
        sequence: int,
        recipient: str,
        subject: str,
    ) -> bool:
        """Add the email unless it is there; True if it was sent already."""
        sent_at = await self._db.fetchval(
            """INSERT INTO email_outbox (message_id, reference, kind, sequence, recipient, subject)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (message_id) DO UPDATE SET recipient = EXCLUDED.recipient
               RETURNING sent_at""",
            message_id,
            reference,
            kind,
            sequence,
            recipient,
            subject,
        )
        return sent_at is not None

    async def mark_sent(self, message_id: str) -> None:
        # After a failure the connection is closed, whatever the error, so that the caller's
        # retry runs on a new one.
        async with self._db.acquire(discard_on_error=True) as conn:
            await conn.execute(
                "UPDATE email_outbox SET sent_at = now() WHERE message_id = $1", message_id
            )
