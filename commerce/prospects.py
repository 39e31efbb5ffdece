"""Prospects: the B2B site's record of each request, from pending to its final status."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.errors import ProspectNotPending
from domain.outcomes import ClosedProspectStatus, ProspectStatus
from domain.request import OnboardingRequest
from storage.database import Database

Row = dict[str, Any]
PROSPECT_STATUSES = tuple(status.value for status in ProspectStatus)


class Prospects:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, prospect_id: str, reference: str, request: OnboardingRequest, submitted_at: datetime
    ) -> None:
        """Store the request as a pending prospect (once per onboarding reference)."""
        contact = request.contact
        await self._db.execute(
            """INSERT INTO prospects (id, reference, status, company_name, company, first_name,
                   last_name, email, phone, job_title, comments, locale, submitted_at)
               VALUES ($1, $2, 'pending', $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (reference) DO NOTHING""",
            prospect_id,
            reference,
            request.company.name,
            request.company.model_dump_json(),
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.phone,
            contact.job_title,
            request.comments,
            request.locale,
            submitted_at,
        )

    async def close(
        self, prospect_id: str, status: ClosedProspectStatus, reason: str | None
    ) -> None:
        """Move a pending prospect (or one whose approval is blocked) to its final status;
        repeating the same close changes nothing."""
        async with self._db.acquire() as conn:
            now = await conn.fetchval(
                """UPDATE prospects SET status = $2, status_reason = $3, updated_at = now()
                   WHERE id = $1 AND status IN ('pending', 'approval_blocked')
                   RETURNING status""",
                prospect_id,
                status.value,
                reason,
            ) or await conn.fetchval("SELECT status FROM prospects WHERE id = $1", prospect_id)
        if now != status:
            raise ProspectNotPending(f"prospect {prospect_id} is {now}")

    async def block_approval(self, prospect_id: str, reason: str) -> None:
        """Mark the prospect of a won onboarding whose approval cannot be written (its
        requester's email is a site user's), for staff to see and resolve."""
        await self._db.execute(
            """UPDATE prospects SET status = 'approval_blocked', status_reason = $2,
                   updated_at = now()
               WHERE id = $1 AND status IN ('pending', 'approval_blocked')""",
            prospect_id,
            reason,
        )

    async def list(self, status: str | None, limit: int, offset: int) -> list[Row]:
        """ "All prospects", newest first, optionally of one status."""
        records = await self._db.fetch(
            """SELECT id, reference, status, status_reason, company_name, first_name,
                      last_name, email, locale, submitted_at, updated_at
               FROM prospects WHERE ($1::text IS NULL OR status = $1)
               ORDER BY submitted_at DESC, id LIMIT $2 OFFSET $3""",
            status,
            limit,
            offset,
        )
        return [dict(r) for r in records]

    async def get(self, prospect_id: str) -> Row | None:
        row = await self._db.fetchrow(
            """SELECT p.*, h.id AS customer_hierarchy_id
               FROM prospects p
               LEFT JOIN customers c
                   ON c.prospect_id = p.id AND c.customer_type = 'organization'
               LEFT JOIN customer_hierarchies h ON h.organization_customer_id = c.id
               WHERE p.id = $1""",
            prospect_id,
        )
        if row is None:
            return None
        prospect = dict(row)
        prospect["company"] = json.loads(prospect["company"])
        return prospect

    async def pending_for_email(self, email: str) -> bool:
        """Whether a request from this email is still being decided."""
        return bool(
            await self._db.fetchval(
                """SELECT true FROM prospects
                   WHERE lower(email) = lower($1) AND status = 'pending' LIMIT 1""",
                email,
            )
        )
