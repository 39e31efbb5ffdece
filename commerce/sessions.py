"""Server-side sessions, so that ending one (sign-out, reset, removal) takes effect at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from commerce.accounts import ACCOUNT_QUERIES, TABLES, Account
from domain.audience import Audience
from storage.database import Database

# Refreshing last_seen_at on every request would be a write per page view; within this much
# the idle expiry can be off by it, which is harmless next to its length.
TOUCH_EVERY = timedelta(seconds=60)

# Where a session stands with the second factor: passed at this sign-in; asked for (the
# account has one); to enrol (none yet, but staff, or the organization, require one); or not
# needed (a partner user who chose none).
FactorStep = Literal["passed", "verify", "enrol", "none"]


@dataclass(frozen=True)
class LiveSession:
    account: Account
    second_factor: FactorStep


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

    async def account(
        self, audience: Audience, id_hash: str, idle: timedelta
    ) -> LiveSession | None:
        """The active account of a live session, and its second factor's step; None once it
        expired, ended or the account left `active`."""
        row = await self._db.fetchrow(
            f"""SELECT a.*, s.last_seen_at < now() - $4::interval AS stale,
                       s.second_factor_at IS NOT NULL AS factor_passed,
                       EXISTS (SELECT 1 FROM totp_factors f
                               WHERE f.audience = s.audience AND f.account_id = s.account_id
                                 AND f.verified_at IS NOT NULL) AS has_factor,
                       s.audience = 'staff' OR EXISTS (
                           SELECT 1 FROM customer_hierarchies h
                           WHERE h.id = a.hierarchy_id AND h.second_factor_required
                       ) AS factor_required
                FROM sessions s
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
        return LiveSession(Account.from_row(audience, row), _factor_step(row))

    async def pass_second_factor(self, id_hash: str, new_id_hash: str) -> datetime | None:
        """Note that the session passed the second factor, under a new id (its creation and
        expiry unchanged) in place of the old: an id seen before the factor opens nothing
        after it. The session's expiry; None when it ended meanwhile."""
        expires_at: datetime | None = await self._db.fetchval(
            """WITH old AS (
                   DELETE FROM sessions WHERE id_hash = $1 AND expires_at > now() RETURNING *)
               INSERT INTO sessions (id_hash, audience, account_id, created_at, last_seen_at,
                                     expires_at, second_factor_at)
               SELECT $2, audience, account_id, created_at, now(), expires_at, now() FROM old
               RETURNING expires_at""",
            id_hash,
            new_id_hash,
        )
        return expires_at

    async def end(self, id_hash: str) -> None:
        await self._db.execute("DELETE FROM sessions WHERE id_hash = $1", id_hash)

    async def end_all(self, audience: Audience, account_id: str) -> None:
        await self._db.execute(
            "DELETE FROM sessions WHERE audience = $1 AND account_id = $2", audience, account_id
        )


def _factor_step(row: Any) -> FactorStep:
    if row["factor_passed"]:
        return "passed"
    if row["has_factor"]:
        return "verify"
    return "enrol" if row["factor_required"] else "none"
