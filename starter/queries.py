"""Read side of both stores for the staff API and pages: plain SQL, one function per view."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from activities.db import Database

Row = dict[str, Any]

LEAD_VIEWS = ("commerce-b2b", "my-open")
PROSPECT_STATUSES = ("pending", "approved", "rejected", "expired")


def _rows(records: list[asyncpg.Record]) -> list[Row]:
    return [dict(r) for r in records]


class SalesQueries:
    def __init__(self, pool: Database) -> None:
        self._pool = pool

    async def leads(self, view: str, user: str, limit: int, offset: int) -> list[Row]:
        """ "All Commerce B2B leads", or the signed-in salesperson's own open leads."""
        columns = """id, reference, topic, status, status_reason, origin, owner, first_name,
                     last_name, email, company_name, created_at"""
        if view == "commerce-b2b":
            sql = f"""SELECT {columns} FROM leads WHERE origin = 'Commerce B2B'
                      ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"""
            return _rows(await self._pool.fetch(sql, limit, offset))
        sql = f"""SELECT {columns} FROM leads WHERE owner = $3 AND status = 'open'
                  ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"""
        return _rows(await self._pool.fetch(sql, limit, offset, user))

    async def lead(self, lead_id: str) -> Row | None:
        row = await self._pool.fetchrow("SELECT * FROM leads WHERE id = $1", lead_id)
        if row is None:
            return None
        lead = dict(row)
        lead["timeline"] = await self.timeline("lead", lead_id)
        lead["opportunity_id"] = await self._pool.fetchval(
            "SELECT id FROM opportunities WHERE lead_id = $1", lead_id
        )
        return lead

    async def opportunity(self, opportunity_id: str) -> Row | None:
        row = await self._pool.fetchrow(
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
            await self._pool.fetch(
                """SELECT body, created_at FROM timeline_notes
                   WHERE record_type = $1 AND record_id = $2 ORDER BY id""",
                record_type,
                record_id,
            )
        )

    async def reference_of_lead(self, lead_id: str) -> str | None:
        value = await self._pool.fetchval("SELECT reference FROM leads WHERE id = $1", lead_id)
        return str(value) if value is not None else None

    async def reference_of_opportunity(self, opportunity_id: str) -> str | None:
        value = await self._pool.fetchval(
            """SELECT l.reference FROM opportunities o JOIN leads l ON l.id = o.lead_id
               WHERE o.id = $1""",
            opportunity_id,
        )
        return str(value) if value is not None else None


class CommerceQueries:
    def __init__(self, pool: Database) -> None:
        self._pool = pool

    async def prospects(self, status: str | None, limit: int, offset: int) -> list[Row]:
        return _rows(
            await self._pool.fetch(
                """SELECT id, reference, status, status_reason, company_name, first_name,
                          last_name, email, locale, submitted_at, updated_at
                   FROM prospects WHERE ($1::text IS NULL OR status = $1)
                   ORDER BY submitted_at DESC, id LIMIT $2 OFFSET $3""",
                status,
                limit,
                offset,
            )
        )

    async def prospect(self, prospect_id: str) -> Row | None:
        row = await self._pool.fetchrow(
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

    async def hierarchy(self, hierarchy_id: str) -> Row | None:
        row = await self._pool.fetchrow(
            """SELECT h.id, h.name, h.purpose, h.created_at, h.organization_customer_id,
                      o.name AS organization_name, o.prospect_id, p.reference,
                      cl.amount AS credit_limit_amount, cl.currency AS credit_limit_currency
               FROM customer_hierarchies h
               JOIN customers o ON o.id = h.organization_customer_id
               JOIN prospects p ON p.id = o.prospect_id
               LEFT JOIN credit_limits cl ON cl.customer_id = o.id
               WHERE h.id = $1""",
            hierarchy_id,
        )
        if row is None:
            return None
        hierarchy = dict(row)
        hierarchy["members"] = _rows(
            await self._pool.fetch(
                """SELECT c.id AS customer_id, c.name, c.email, m.role,
                          u.id AS site_user_id, u.status AS site_user_status
                   FROM customer_hierarchy_members m
                   JOIN customers c ON c.id = m.customer_id
                   LEFT JOIN site_users u ON u.customer_id = c.id
                   WHERE m.hierarchy_id = $1 ORDER BY m.role, c.name""",
                hierarchy_id,
            )
        )
        return hierarchy

    async def can_reach(self) -> bool:
        return bool(await self._pool.fetchval("SELECT 1"))
