"""Server-side sessions, so that ending one (sign-out, reset, removal) takes effect at once."""

from __future__ import annotations

from datetime import timedelta

from commerce.accounts import ACCOUNT_QUERIES, TABLES, Account
from domain.audience import Audience
from storage.database import Database

# Refreshing last_seen_at on every request would be a write per page view; within this much
# the idle expiry can be off by it, which is harmless next to its length.
TOUCH_EVERY = timedelta(seconds=60)


class Sessions:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(self, account: Account, id_hash: str, lifetime: timedelta) -> bool:
        """A new session, only while the account is active with the password it signed in
        with. The account's row is share-locked meanwhile, so a reset that changes the
        password waits, then ends this session with the others. The account's sessions past
        their absolute expiry go at the same time."""
        started = await self._db.fetchval(
            f"""WITH account AS (
                    SELECT id FROM {TABLES[account.audience]}
                    WHERE id = $3 AND status = 'active' AND password_hash = $5 FOR SHARE),
                stale AS (
                    DELETE FROM sessions
                    WHERE audience = $2 AND account_id = $3 AND expires_at <= now())
                INSERT INTO sessions (id_hash, audience, account_id, expires_at)
                SELECT $1, $2, id, now() + $4::interval FROM account
                RETURNING true""",
            id_hash,
            account.audience,
            account.id,
            lifetime,
            account.password_hash,
        )
        return bool(started)

    async def account(self, audience: Audience, id_hash: str, idle: timedelta) -> Account | None:
        """The active account of a live session; None once it expired, ended or the account
        left `active`."""
        row = await self._db.fetchrow(
            f"""SELECT a.*, s.last_seen_at < now() - $4::interval AS stale FROM sessions s
                JOIN ({ACCOUNT_QUERIES[audience]}) a ON a.id = s.account_id
                WHERE s.id_hash = $1 AND s.audience = $2 AND a.status = 'active'
                  AND s.expires_at > now() AND s.last_seen_at > now() - $3::interval""",
            id_hash,
            audience,
            idle,
            TOUCH_EVERY,
        )
        if row is None:
            return None
        if row["stale"]:
            await self._db.execute(
                "UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1", id_hash
            )
        return Account.from_row(audience, row)

    async def end(self, id_hash: str) -> None:
        await self._db.execute("DELETE FROM sessions WHERE id_hash = $1", id_hash)

    async def end_all(self, audience: Audience, account_id: str) -> None:
        await self._db.execute(
            "DELETE FROM sessions WHERE audience = $1 AND account_id = $2", audience, account_id
        )
