"""Information requests: what a salesperson asked an applicant, and where each request stands.

A request is `open` until the applicant answers (`answered`, and still open to more answers),
then ends `closed` (the lead was decided, or an answered request reached its due date) or
`expired` (the due date passed without an answer). Answers and their files are the
documents store's (commerce/documents.py); an answer is taken only while the request's link
works, in the same transaction that marks the request answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from domain.information_requests import RequestStatus
from storage.database import Database

_COLUMNS = (
    "id, reference, lead_id, message, documents, due, expires_at, status, created_by, "
    "created_at, closed_at"
)
# Where the link still works: an answer may still come.
_USABLE = "status IN ('open', 'answered') AND expires_at > now()"


@dataclass(frozen=True)
class NewRequest:
    id: str
    reference: str
    lead_id: str
    message: str
    documents: list[str]
    due: date
    expires_at: datetime
    created_by: str
    token_salt: str
    token_hash: str


@dataclass(frozen=True)
class StoredRequest:
    id: str
    reference: str
    lead_id: str
    message: str
    documents: list[str]
    due: date
    expires_at: datetime
    status: RequestStatus
    created_by: str
    created_at: datetime
    closed_at: datetime | None

    def usable(self, now: datetime) -> bool:
        """Whether its link takes an answer now."""
        return self.status in ("open", "answered") and now < self.expires_at


def _stored(row: asyncpg.Record) -> StoredRequest:
    return StoredRequest(**{**dict(row), "documents": list(row["documents"])})


class InformationRequests:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewRequest) -> None:
        await self._db.execute(
            """INSERT INTO information_requests (id, reference, lead_id, message, documents,
                   due, expires_at, created_by, token_salt, token_hash)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            new.id,
            new.reference,
            new.lead_id,
            new.message,
            new.documents,
            new.due,
            new.expires_at,
            new.created_by,
            new.token_salt,
            new.token_hash,
        )

    async def discard(self, request_id: str) -> None:
        """Forget a request its onboarding refused: nobody was told of it."""
        await self._db.execute("DELETE FROM information_requests WHERE id = $1", request_id)

    async def of_lead(self, lead_id: str) -> list[StoredRequest]:
        rows = await self._db.fetch(
            f"""SELECT {_COLUMNS} FROM information_requests WHERE lead_id = $1
                ORDER BY created_at, id""",
            lead_id,
        )
        return [_stored(row) for row in rows]

    async def by_token_hash(self, token_hash: str) -> StoredRequest | None:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM information_requests WHERE token_hash = $1", token_hash
        )
        return None if row is None else _stored(row)

    async def token_salt(self, request_id: str) -> str | None:
        salt: str | None = await self._db.fetchval(
            "SELECT token_salt FROM information_requests WHERE id = $1", request_id
        )
        return salt

    async def take_answer(self, request_id: str, keep: Callable[[], Awaitable[str]]) -> str | None:
        """Mark the request answered and keep the answer (`keep`, the documents store's
        write) in one transaction; the answer's id, or None when the link no longer works
        (closed or expired meanwhile), in which case nothing is kept. The request's row
        stays locked meanwhile, so a closing waits for the answer, or the answer for it."""
        async with self._db.transaction():
            usable = await self._db.fetchval(
                f"""UPDATE information_requests SET status = 'answered'
                    WHERE id = $1 AND {_USABLE} RETURNING true""",
                request_id,
            )
            if not usable:
                return None
            return await keep()

    async def settle(self, request_id: str) -> RequestStatus | None:
        """At the due date: `expired` if nobody answered, else `closed`; a request ended
        already keeps its end. The request's status after; None if it is gone (erased)."""
        status: RequestStatus | None = await self._db.fetchval(
            """WITH ended AS (
                   UPDATE information_requests
                   SET status = CASE status WHEN 'open' THEN 'expired' ELSE 'closed' END,
                       closed_at = now()
                   WHERE id = $1 AND status IN ('open', 'answered')
                   RETURNING status)
               SELECT status FROM ended
               UNION ALL SELECT status FROM information_requests
                   WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ended)""",
            request_id,
        )
        return status

    async def close_all(self, reference: str) -> int:
        """The lead is decided (or expired): every request still open to answers closes."""
        status = await self._db.execute(
            """UPDATE information_requests SET status = 'closed', closed_at = now()
               WHERE reference = $1 AND status IN ('open', 'answered')""",
            reference,
        )
        return int(status.rpartition(" ")[2] or 0)
