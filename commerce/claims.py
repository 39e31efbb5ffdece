"""Onboarding claims: one open onboarding per email, and the API's idempotency keys."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from commerce.site_users import HOLDS_EMAIL
from storage.database import Connection, Database


@dataclass(frozen=True)
class Claim:
    reference: str
    request_hash: str


class ClaimTransaction:
    """Reads and writes of one start, committed together or not at all."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def by_idempotency_key(self, key: str) -> Claim | None:
        row = await self._conn.fetchrow(
            "SELECT reference, request_hash FROM idempotency_keys WHERE key = $1", key
        )
        return Claim(row["reference"], row["request_hash"]) if row else None

    async def lock_email(self, email_key: str) -> Claim | None:
        """Serialise starts for one email across every web app process; its current claim."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"claim:{email_key}")
        row = await self._conn.fetchrow(
            "SELECT reference, request_hash FROM onboarding_claims WHERE email_key = $1", email_key
        )
        return Claim(row["reference"], row["request_hash"]) if row else None

    async def site_user_holds(self, email_key: str) -> bool:
        """Whether a site user of any organization holds the email address."""
        return bool(
            await self._conn.fetchval(
                f"""SELECT true FROM site_users
                    WHERE lower(email) = $1 AND {HOLDS_EMAIL} LIMIT 1""",
                email_key,
            )
        )

    async def claim(self, email_key: str, claim: Claim, idempotency_key: str | None) -> None:
        await self._conn.execute(
            """INSERT INTO onboarding_claims (email_key, reference, request_hash)
               VALUES ($1, $2, $3)
               ON CONFLICT (email_key) DO UPDATE
                   SET reference = EXCLUDED.reference, request_hash = EXCLUDED.request_hash,
                       claimed_at = now()""",
            email_key,
            claim.reference,
            claim.request_hash,
        )
        if idempotency_key is not None:
            await self._conn.execute(
                """INSERT INTO idempotency_keys (key, reference, request_hash)
                   VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING""",
                idempotency_key,
                claim.reference,
                claim.request_hash,
            )


class OnboardingClaims:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[ClaimTransaction]:
        async with self._db.acquire() as conn, conn.transaction():
            yield ClaimTransaction(conn)
