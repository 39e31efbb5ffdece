"""Failed sign-ins per typed account name, per device of an account and per client address,
for the throttle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from storage.database import Database

# A failure this old no longer counts: a user who mistyped last week starts afresh.
FORGET_AFTER = timedelta(days=1)


def second_factor_key(audience: str, account_id: str) -> str:
    """The key of an account's wrong second-factor codes, apart from its passwords'."""
    return f"second-factor:{audience}:{account_id}"


Recent = dict[str, tuple[int, timedelta]]


class SignInFailures:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self,
        keys: list[str],
        wait: Callable[[Recent], timedelta | None],
        forget_after: timedelta | None = FORGET_AFTER,
    ) -> timedelta | None:
        """Count an attempt as a failure before its password is checked, unless `wait` (given
        each key's recent failures and the time since the last) says to wait first. Failures
        older than `forget_after` count no more; with None, they count until cleared.

        The keys' rows stay locked while this decides, so concurrent attempts take turns and
        each sees the ones before it: a burst cannot slip a thousand guesses in at once.
        """
        keys = sorted(keys)  # one lock order for everyone: no deadlock
        async with self._db.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO sign_in_failures (key, failures, last_failure_at)
                   SELECT k, 0, now() - $2::interval FROM unnest($1::text[]) AS k ORDER BY k
                   ON CONFLICT (key) DO NOTHING""",
                keys,
                FORGET_AFTER,
            )
            rows = await conn.fetch(
                """SELECT key, failures, now() - last_failure_at AS since,
                          $2::interval IS NULL OR last_failure_at > now() - $2::interval AS fresh
                   FROM sign_in_failures WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE""",
                keys,
                forget_after,
            )
            recent = {r["key"]: (r["failures"], r["since"]) for r in rows if r["fresh"]}
            left = wait(recent)
            if left is None:
                await conn.execute(
                    """UPDATE sign_in_failures SET last_failure_at = now(),
                           failures = CASE WHEN $2::interval IS NULL
                                             OR last_failure_at > now() - $2::interval
                                           THEN failures + 1 ELSE 1 END
                       WHERE key = ANY($1::text[])""",
                    keys,
                    forget_after,
                )
            return left

    async def failed(self, keys: list[str]) -> None:
        """The claimed attempt was wrong: its delay runs from now, when its answer goes out,
        not from when it was claimed (a slow hash must not shorten the wait)."""
        # Locked in key order, as claim() locks: a plain UPDATE locks in the scan's order,
        # which deadlocks with a claim that holds one of the keys and waits for the other.
        await self._db.execute(
            """UPDATE sign_in_failures SET last_failure_at = now()
               WHERE key IN (SELECT key FROM sign_in_failures WHERE key = ANY($1::text[])
                             ORDER BY key FOR UPDATE)""",
            keys,
        )

    async def unclaim(self, keys: list[str]) -> None:
        """The claimed attempt could not be checked (the hasher was busy, a store failed): it
        is no failure, so each key gets back the one it was charged in advance."""
        await self._db.execute(
            """UPDATE sign_in_failures SET failures = greatest(failures - 1, 0)
               WHERE key IN (SELECT key FROM sign_in_failures WHERE key = ANY($1::text[])
                             ORDER BY key FOR UPDATE)""",
            keys,
        )

    async def succeeded(self, account_key: str, address_key: str) -> None:
        """The claimed attempt was right: the account starts afresh, and the address gets
        back the failure it was charged in advance."""
        await self._db.execute(
            """WITH cleared AS (DELETE FROM sign_in_failures WHERE key = $1)
               UPDATE sign_in_failures SET failures = greatest(failures - 1, 0) WHERE key = $2""",
            account_key,
            address_key,
        )

    async def clear(self, key: str) -> None:
        """The key starts afresh: a right answer, or a reset of what it guards."""
        await self._db.execute("DELETE FROM sign_in_failures WHERE key = $1", key)
