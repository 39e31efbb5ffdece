"""What signed-in users do to their own account: change the password, list their sessions.

Both audiences: the account's table is the audience's, the sessions and links are shared.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from commerce.accounts import TABLES
from domain.audience import Audience
from storage.database import Database

Row = dict[str, Any]


class AccountSettings:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def change_password(
        self,
        audience: Audience,
        account_id: str,
        verified_hash: str,
        new_hash: str,
        keep_session: str,
    ) -> bool:
        """Replace the password just verified, ending every session of the account but the
        one (by its hash) that asked, and every link that would set a password over it.
        False when the password changed meanwhile or the account left `active`."""
        async with self._db.acquire() as conn, conn.transaction():
            changed = await conn.fetchval(
                f"""UPDATE {TABLES[audience]} SET password_hash = $3
                    WHERE id = $1 AND password_hash = $2 AND status = 'active'
                    RETURNING true""",
                account_id,
                verified_hash,
                new_hash,
            )
            if not changed:
                return False
            await conn.execute(
                """DELETE FROM sessions
                   WHERE audience = $1 AND account_id = $2 AND id_hash <> $3""",
                audience,
                account_id,
                keep_session,
            )
            await conn.execute(
                """UPDATE account_tokens SET used_at = now()
                   WHERE audience = $1 AND account_id = $2 AND used_at IS NULL""",
                audience,
                account_id,
            )
        return True

    async def live_sessions(
        self, audience: Audience, account_id: str, idle: timedelta
    ) -> list[Row]:
        """The account's sessions that still work, the last used first."""
        rows = await self._db.fetch(
            """SELECT id_hash, created_at, last_seen_at FROM sessions
               WHERE audience = $1 AND account_id = $2
                 AND expires_at > now() AND last_seen_at > now() - $3::interval
               ORDER BY last_seen_at DESC, created_at DESC""",
            audience,
            account_id,
            idle,
        )
        return [dict(r) for r in rows]
