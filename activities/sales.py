"""Sales CRM: leads, opportunities, contacts, accounts and their timeline notes."""

from __future__ import annotations

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from temporalio import activity

from activities.errors import business_error
from activities.models import (
    CloseLeadInput,
    CloseOpportunityInput,
    CreateLeadInput,
    QualifyLeadInput,
)

LEAD_ORIGIN = "Commerce B2B"


async def _add_note(
    conn: PoolConnectionProxy[asyncpg.Record],
    record_type: str,
    record_id: str,
    note_key: str,
    body: str,
) -> None:
    await conn.execute(
        """INSERT INTO timeline_notes (record_type, record_id, note_key, body)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (record_type, record_id, note_key) DO NOTHING""",
        record_type,
        record_id,
        note_key,
        body,
    )


class SalesActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn
    async def create_lead(self, data: CreateLeadInput) -> None:
        """An unowned lead from the Commerce prospect, with a note saying where it came from."""
        req = data.request
        contact, company = req.contact, req.company
        address = company.address
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO leads (id, commerce_prospect_id, reference, topic, status, origin,
                       first_name, last_name, email, phone, job_title, company_name,
                       company_website, company_phone, company_tax_id, address_line1, city,
                       postal_code, country, comments)
                   VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                       $15, $16, $17, $18, $19)
                   ON CONFLICT (commerce_prospect_id) DO NOTHING""",
                data.lead_id,
                data.prospect_id,
                data.reference,
                f"B2B partner request: {company.name}",
                LEAD_ORIGIN,
                contact.first_name,
                contact.last_name,
                contact.email,
                contact.phone,
                contact.job_title,
                company.name,
                company.website,
                company.phone,
                company.tax_id,
                address.line1 if address else None,
                address.city if address else None,
                address.postal_code if address else None,
                address.country if address else None,
                req.comments,
            )
            await _add_note(
                conn,
                "lead",
                data.lead_id,
                "created",
                f"Created from Commerce prospect {data.prospect_id} (request {data.reference}).",
            )

    @activity.defn
    async def qualify_lead(self, data: QualifyLeadInput) -> None:
        """Qualify the lead and create its account, contact and opportunity."""
        async with self._pool.acquire() as conn, conn.transaction():
            lead = await conn.fetchrow("SELECT * FROM leads WHERE id = $1 FOR UPDATE", data.lead_id)
            if lead is None:
                raise business_error("RecordNotFound", f"no lead {data.lead_id}")
            if lead["status"] == "disqualified":
                raise business_error("LeadNotOpen", f"lead {data.lead_id} is disqualified")
            await conn.execute(
                """UPDATE leads SET status = 'qualified', decided_by = $2, updated_at = now()
                   WHERE id = $1 AND status = 'open'""",
                data.lead_id,
                data.decided_by,
            )
            await conn.execute(
                """INSERT INTO accounts (id, lead_id, name, website, phone, tax_id)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING""",
                data.account_id,
                data.lead_id,
                lead["company_name"],
                lead["company_website"],
                lead["company_phone"],
                lead["company_tax_id"],
            )
            await conn.execute(
                """INSERT INTO contacts (id, lead_id, account_id, first_name, last_name, email,
                       phone, job_title)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING""",
                data.contact_id,
                data.lead_id,
                data.account_id,
                lead["first_name"],
                lead["last_name"],
                lead["email"],
                lead["phone"],
                lead["job_title"],
            )
            await conn.execute(
                """INSERT INTO opportunities (id, lead_id, account_id, contact_id, name, status)
                   VALUES ($1, $2, $3, $4, $5, 'open') ON CONFLICT (id) DO NOTHING""",
                data.opportunity_id,
                data.lead_id,
                data.account_id,
                data.contact_id,
                lead["topic"],
            )
            await _add_note(
                conn,
                "lead",
                data.lead_id,
                "qualified",
                f"Qualified by {data.decided_by}; opportunity {data.opportunity_id} created.",
            )
            await _add_note(
                conn,
                "opportunity",
                data.opportunity_id,
                "created",
                f"Created from qualified lead {data.lead_id}.",
            )

    @activity.defn
    async def close_lead(self, data: CloseLeadInput) -> None:
        """Disqualify an open lead with its reason."""
        async with self._pool.acquire() as conn, conn.transaction():
            status = await conn.fetchval(
                """UPDATE leads SET status = 'disqualified', status_reason = $2, decided_by = $3,
                       updated_at = now()
                   WHERE id = $1 AND status = 'open'
                   RETURNING status""",
                data.lead_id,
                data.reason.value,
                data.decided_by,
            ) or await conn.fetchval("SELECT status FROM leads WHERE id = $1", data.lead_id)
            if status != "disqualified":
                raise business_error("LeadNotOpen", f"lead {data.lead_id} is {status}")
            await _add_note(conn, "lead", data.lead_id, "closed", data.note)

    @activity.defn
    async def close_opportunity(self, data: CloseOpportunityInput) -> None:
        """Close an open opportunity as won or lost."""
        reason = data.reason.value if data.reason else None
        async with self._pool.acquire() as conn, conn.transaction():
            status = await conn.fetchval(
                """UPDATE opportunities SET status = $2, status_reason = $3, decided_by = $4,
                       updated_at = now()
                   WHERE id = $1 AND status = 'open'
                   RETURNING status""",
                data.opportunity_id,
                data.outcome,
                reason,
                data.decided_by,
            ) or await conn.fetchval(
                "SELECT status FROM opportunities WHERE id = $1", data.opportunity_id
            )
            if status != data.outcome:
                raise business_error(
                    "OpportunityNotOpen", f"opportunity {data.opportunity_id} is {status}"
                )
            verdict = "won" if data.outcome == "won" else f"lost ({reason})"
            await _add_note(
                conn,
                "opportunity",
                data.opportunity_id,
                "closed",
                f"Closed as {verdict} by {data.decided_by}.",
            )
