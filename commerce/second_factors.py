"""Second factors: per account a TOTP secret, sealed at rest, and its one-time recovery codes.

A factor is pending from enrolment until a first code proves the app holds its secret. The
time step of every accepted code is kept and only a later one is accepted next, through a
conditional update: two uses of one code at the same moment give one success.

The rules of codes are pure and live with the other account rules; a store imports none of
them, so it receives the check to run on the secret it opens, and digests already made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from domain.audience import Audience
from storage.database import Database

# Given the secret and the step of the code accepted last (None before any), the step of the
# typed code, or None when it does not match.
StepCheck = Callable[[bytes, int | None], int | None]


class Sealer(Protocol):
    """Seals secrets at rest under named keys; the context binds a secret to its account."""

    def seal(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        """The id of the key used, and the sealed bytes."""
        ...

    def open(self, key_id: str, sealed: bytes, context: bytes) -> bytes: ...


_FACTOR = """SELECT key_id, sealed_secret, last_step FROM totp_factors
             WHERE audience = $1 AND account_id = $2 AND (verified_at IS NOT NULL) = $3"""


class SecondFactors:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self._db = db
        self._sealer = sealer

    async def begin_enrolment(
        self, audience: Audience, account_id: str, secret: bytes, session_hash: str
    ) -> bool:
        """Keep `secret` as the account's pending factor, begun by the session of
        `session_hash`, in place of a pending one; False when the account has a verified
        factor, which only a reset removes."""
        key_id, sealed = self._sealer.seal(secret, _context(audience, account_id))
        began = await self._db.fetchval(
            """INSERT INTO totp_factors (audience, account_id, key_id, sealed_secret,
                                         session_hash)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (audience, account_id) DO UPDATE
               SET key_id = EXCLUDED.key_id, sealed_secret = EXCLUDED.sealed_secret,
                   session_hash = EXCLUDED.session_hash, created_at = now(), last_step = NULL
               WHERE totp_factors.verified_at IS NULL
               RETURNING true""",
            audience,
            account_id,
            key_id,
            sealed,
            session_hash,
        )
        return bool(began)

    async def pending_secret(
        self, audience: Audience, account_id: str, session_hash: str
    ) -> bytes | None:
        """The secret of the pending factor the session of `session_hash` began, to show its
        QR code and setup key again; None for any other session, which begins its own."""
        row = await self._db.fetchrow(
            f"{_FACTOR} AND session_hash = $4", audience, account_id, False, session_hash
        )
        return self._open(audience, account_id, row) if row else None

    async def confirm_enrolment(
        self,
        audience: Audience,
        account_id: str,
        check: StepCheck,
        recovery_digests: Sequence[str],
    ) -> bool:
        """Verify the pending factor when `check` accepts the secret, and keep the digests
        of its recovery codes; False when there is no pending factor or the code is wrong."""
        matched = await self._matching_step(audience, account_id, False, check)
        if matched is None:
            return False
        sealed, step = matched
        async with self._db.acquire() as conn, conn.transaction():
            # Only the secret that was checked: an enrolment begun again meanwhile has another.
            confirmed = await conn.fetchval(
                """UPDATE totp_factors SET verified_at = now(), last_step = $4,
                       session_hash = NULL
                   WHERE audience = $1 AND account_id = $2 AND verified_at IS NULL
                     AND sealed_secret = $3
                   RETURNING true""",
                audience,
                account_id,
                sealed,
                step,
            )
            if not confirmed:
                return False
            await conn.execute(
                """INSERT INTO recovery_codes (audience, account_id, digest)
                   SELECT $1, $2, digest FROM unnest($3::text[]) AS digest""",
                audience,
                account_id,
                list(recovery_digests),
            )
        return True

    async def verify_code(self, audience: Audience, account_id: str, check: StepCheck) -> bool:
        """Whether `check` accepts a code of the verified factor that no earlier use took."""
        matched = await self._matching_step(audience, account_id, True, check)
        if matched is None:
            return False
        sealed, step = matched
        # The condition is checked again on the row as a concurrent use left it, so only one
        # of two uses of this step (or a later one) updates it.
        accepted = await self._db.fetchval(
            """UPDATE totp_factors SET last_step = $4
               WHERE audience = $1 AND account_id = $2 AND verified_at IS NOT NULL
                 AND sealed_secret = $3 AND coalesce(last_step, -1) < $4
               RETURNING true""",
            audience,
            account_id,
            sealed,
            step,
        )
        return bool(accepted)

    async def use_recovery_code(self, audience: Audience, account_id: str, digest: str) -> bool:
        """Spend the recovery code with this digest; False when it is not one of the account's
        or was used already."""
        used = await self._db.fetchval(
            """UPDATE recovery_codes SET used_at = now()
               WHERE audience = $1 AND account_id = $2 AND digest = $3 AND used_at IS NULL
               RETURNING true""",
            audience,
            account_id,
            digest,
        )
        return bool(used)

    async def recovery_codes_left(self, audience: Audience, account_id: str) -> int:
        count = await self._db.fetchval(
            """SELECT count(*) FROM recovery_codes
               WHERE audience = $1 AND account_id = $2 AND used_at IS NULL""",
            audience,
            account_id,
        )
        return int(count)

    async def has_verified_factor(self, audience: Audience, account_id: str) -> bool:
        verified = await self._db.fetchval(
            """SELECT true FROM totp_factors
               WHERE audience = $1 AND account_id = $2 AND verified_at IS NOT NULL""",
            audience,
            account_id,
        )
        return bool(verified)

    async def reset(self, audience: Audience, account_id: str) -> bool:
        """Remove the account's factor, pending or verified, with its recovery codes and the
        count of its wrong codes; False when it had none. The account's sessions are the
        caller's to end or keep."""
        removed = await self._db.fetchval(
            """WITH failures AS (
                   DELETE FROM sign_in_failures
                   WHERE key = 'second-factor:' || $1 || ':' || $2)
               DELETE FROM totp_factors WHERE audience = $1 AND account_id = $2
               RETURNING true""",
            audience,
            account_id,
        )
        return bool(removed)

    async def _matching_step(
        self, audience: Audience, account_id: str, verified: bool, check: StepCheck
    ) -> tuple[bytes, int] | None:
        """The sealed secret of the account's pending (or verified) factor and the step of
        the typed code, when `check` accepts it; None when there is no such factor or it
        does not."""
        row = await self._db.fetchrow(_FACTOR, audience, account_id, verified)
        if row is None:
            return None
        step = check(self._open(audience, account_id, row), row["last_step"])
        return None if step is None else (row["sealed_secret"], step)

    def _open(self, audience: Audience, account_id: str, row: Any) -> bytes:
        return self._sealer.open(
            row["key_id"], row["sealed_secret"], _context(audience, account_id)
        )


def _context(audience: Audience, account_id: str) -> bytes:
    # Authenticated with the secret: a sealed secret copied to another account's row fails.
    return f"totp:{audience}:{account_id}".encode()
