"""The built-in CRM's reads: the two lead views and the record pages."""

from __future__ import annotations

import asyncpg

from sales.builtin.decisions import LEAD_ORIGIN
from sales.port import Row
from storage.database import Database


def _rows(records: list[asyncpg.Record]) -> list[Row]:
    return [dict(r) for r in records]


class LeadViews:
    db: Database

    async def leads(self, view: str, user: str, limit: int, offset: int) -> list[Row]:
        """ "All Commerce B2B leads", or the signed-in salesperson's own open leads."""
        columns = """id, reference, topic, status, status_reason, origin, owner, first_name,
                     last_name, email, company_name, created_at"""
        if view == "commerce-b2b":
            sql = f"""SELECT {columns} FROM leads WHERE origin = $3
                      ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"""
            return _rows(await self.db.fetch(sql, limit, offset, LEAD_ORIGIN))
        sql = f"""SELECT {columns} FROM leads WHERE owner = $3 AND status = 'open'
                  ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"""
        return _rows(await self.db.fetch(sql, limit, offset, user))

    async def lead(self, lead_id: str) -> Row | None:
        row = await self.db.fetchrow("SELECT * FROM leads WHERE id = $1", lead_id)
        if row is None:
            return None
        lead = dict(row)
        lead["timeline"] = await self.timeline("lead", lead_id)
        lead["opportunity_id"] = await self.db.fetchval(
            "SELECT id FROM opportunities WHERE lead_id = $1", lead_id
        )
        return lead

    async def opportunity(self, opportunity_id: str) -> Row | None:
        row = await self.db.fetchrow(
            """SELECT o.*, l.reference, a.name AS account_name, c.first_name, c.last_name,
                      c.email, c.phone, c.job_title
               FROM opportunities o
               JOIN leads l ON l.id = o.lead_id
               JOIN accounts a ON a.id = o.account_id
               JOIN contacts c ON c.id = o.contact_id
               WHERE o.id = $1""",
            opportunity_id,
        )
        if row is None:
            return None
        opportunity = dict(row)
        opportunity["timeline"] = await self.timeline("opportunity", opportunity_id)
        return opportunity

    async def timeline(self, record_type: str, record_id: str) -> list[Row]:
        return _rows(
            await self.db.fetch(
                """SELECT body, created_at FROM timeline_notes
                   WHERE record_type = $1 AND record_id = $2 ORDER BY id""",
                record_type,
                record_id,
            )
        )

    async def reference_of_lead(self, lead_id: str) -> str | None:
        value = await self.db.fetchval("SELECT reference FROM leads WHERE id = $1", lead_id)
        return str(value) if value is not None else None

    async def reference_of_opportunity(self, opportunity_id: str) -> str | None:
        value = await self.db.fetchval(
            """SELECT l.reference FROM opportunities o JOIN leads l ON l.id = o.lead_id
               WHERE o.id = $1""",
            opportunity_id,
        )
        return str(value) if value is not None else None
