"""Failed sign-ins per typed account name and per client address, for the throttle."""

from __future__ import annotations

from datetime import timedelta

from storage.database import Database

# A failure this old no longer counts: a user who mistyped last week starts afresh.
FORGET_AFTER = timedelta(days=1)


class SignInFailures:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, keys: list[str]) -> dict[str, tuple[int, timedelta]]:
        """For each key with recent failures: how many, and how long since the last."""
        rows = await self._db.fetch(
            """SELECT key, failures, now() - last_failure_at AS since FROM sign_in_failures
               WHERE key = ANY($1::text[]) AND last_failure_at > now() - $2::interval""",
            keys,
            FORGET_AFTER,
        )
        return {row["key"]: (row["failures"], row["since"]) for row in rows}

    async def record(self, keys: list[str]) -> None:
        await self._db.execute(
            """INSERT INTO sign_in_failures (key, failures, last_failure_at)
               SELECT k, 1, now() FROM unnest($1::text[]) AS k
               ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN sign_in_failures.last_failure_at > now() - $2::interval
                                   THEN sign_in_failures.failures + 1 ELSE 1 END,
                   last_failure_at = now()""",
            keys,
            FORGET_AFTER,
        )

    async def clear(self, key: str) -> None:
        await self._db.execute("DELETE FROM sign_in_failures WHERE key = $1", key)
