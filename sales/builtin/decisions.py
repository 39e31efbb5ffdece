"""The built-in CRM's writes: each is one statement (data-modifying CTEs), atomic without
BEGIN and COMMIT, and one round trip instead of four to nine."""

from __future__ import annotations

from typing import Literal

from domain.errors import LeadNotOpen, OpportunityNotOpen, RecordNotFound
from domain.outcomes import DisqualifyReason, LostReason
from domain.request import OnboardingRequest
from storage.database import Database

LEAD_ORIGIN = "Commerce B2B"


class LeadDecisions:
    db: Database

    async def create_lead(
        self, lead_id: str, prospect_id: str, reference: str, request: OnboardingRequest
    ) -> None:
        """An unowned lead from the Commerce prospect, with a note saying where it came from."""
        req = request
        contact, company = req.contact, req.company
        address = company.address
        await self.db.execute(
            """WITH lead AS (
                   INSERT INTO leads (id, commerce_prospect_id, reference, topic, status, origin,
                       first_name, last_name, email, phone, job_title, company_name,
                       company_website, company_phone, company_tax_id, address_line1, city,
                       postal_code, country, comments)
                   VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                       $15, $16, $17, $18, $19)
                   ON CONFLICT (commerce_prospect_id) DO NOTHING)
               INSERT INTO timeline_notes (record_type, record_id, note_key, body)
               VALUES ('lead', $1, 'created', $20)
               ON CONFLICT (record_type, record_id, note_key) DO NOTHING""",
            lead_id,
            prospect_id,
            reference,
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
            f"Created from Commerce prospect {prospect_id} (request {reference}).",
        )

    async def qualify_lead(
        self, lead_id: str, opportunity_id: str, contact_id: str, account_id: str, decided_by: str
    ) -> None:
        """Qualify the lead and create its account, contact and opportunity."""
        # Touching the row even when it is no longer open locks it and returns its latest
        # status, so a repeat sees 'qualified' and a disqualified lead gets nothing added.
        status = await self.db.fetchval(
            """WITH lead AS (
                   UPDATE leads SET
                       status = CASE WHEN status = 'open' THEN 'qualified' ELSE status END,
                       decided_by = CASE WHEN status = 'open' THEN $2 ELSE decided_by END,
                       updated_at = CASE WHEN status = 'open' THEN now() ELSE updated_at END
                   WHERE id = $1
                   RETURNING *
               ), qualified AS (
                   SELECT * FROM lead WHERE status = 'qualified'
               ), account AS (
                   INSERT INTO accounts (id, lead_id, name, website, phone, tax_id)
                   SELECT $3, id, company_name, company_website, company_phone, company_tax_id
                   FROM qualified
                   ON CONFLICT (id) DO NOTHING
               ), contact AS (
                   INSERT INTO contacts (id, lead_id, account_id, first_name, last_name, email,
                       phone, job_title)
                   SELECT $4, id, $3, first_name, last_name, email, phone, job_title
                   FROM qualified
                   ON CONFLICT (id) DO NOTHING
               ), opportunity AS (
                   INSERT INTO opportunities (id, lead_id, account_id, contact_id, name, status)
                   SELECT $5, id, $3, $4, topic, 'open' FROM qualified
                   ON CONFLICT (id) DO NOTHING
               ), notes AS (
                   INSERT INTO timeline_notes (record_type, record_id, note_key, body)
                   SELECT note.* FROM (VALUES ('lead', $1, 'qualified', $6),
                                              ('opportunity', $5, 'created', $7))
                       AS note (record_type, record_id, note_key, body)
                   WHERE EXISTS (SELECT FROM qualified)
                   ON CONFLICT (record_type, record_id, note_key) DO NOTHING)
               SELECT status FROM lead""",
            lead_id,
            decided_by,
            account_id,
            contact_id,
            opportunity_id,
            f"Qualified by {decided_by}; opportunity {opportunity_id} created.",
            f"Created from qualified lead {lead_id}.",
        )
        if status is None:
            raise RecordNotFound(f"no lead {lead_id}")
        if status != "qualified":
            raise LeadNotOpen(f"lead {lead_id} is {status}")

    async def disqualify_lead(
        self, lead_id: str, reason: DisqualifyReason, decided_by: str, note: str
    ) -> None:
        """Disqualify an open lead with its reason."""
        status = await self.db.fetchval(
            """WITH lead AS (
                   UPDATE leads SET
                       status = CASE WHEN status = 'open' THEN 'disqualified' ELSE status END,
                       status_reason = CASE WHEN status = 'open' THEN $2 ELSE status_reason END,
                       decided_by = CASE WHEN status = 'open' THEN $3 ELSE decided_by END,
                       updated_at = CASE WHEN status = 'open' THEN now() ELSE updated_at END
                   WHERE id = $1
                   RETURNING status
               ), note AS (
                   INSERT INTO timeline_notes (record_type, record_id, note_key, body)
                   SELECT 'lead', $1, 'closed', $4 FROM lead WHERE status = 'disqualified'
                   ON CONFLICT (record_type, record_id, note_key) DO NOTHING)
               SELECT status FROM lead""",
            lead_id,
            reason.value,
            decided_by,
            note,
        )
        if status != "disqualified":
            raise LeadNotOpen(f"lead {lead_id} is {status}")

    async def close_opportunity(
        self,
        opportunity_id: str,
        outcome: Literal["won", "lost"],
        reason: LostReason | None,
        decided_by: str,
    ) -> None:
        """Close an open opportunity as won or lost."""
        why = reason.value if reason else None
        verdict = "won" if outcome == "won" else f"lost ({why})"
        status = await self.db.fetchval(
            """WITH opportunity AS (
                   UPDATE opportunities SET
                       status = CASE WHEN status = 'open' THEN $2 ELSE status END,
                       status_reason = CASE WHEN status = 'open' THEN $3 ELSE status_reason END,
                       decided_by = CASE WHEN status = 'open' THEN $4 ELSE decided_by END,
                       updated_at = CASE WHEN status = 'open' THEN now() ELSE updated_at END
                   WHERE id = $1
                   RETURNING status
               ), note AS (
                   INSERT INTO timeline_notes (record_type, record_id, note_key, body)
                   SELECT 'opportunity', $1, 'closed', $5 FROM opportunity WHERE status = $2
                   ON CONFLICT (record_type, record_id, note_key) DO NOTHING)
               SELECT status FROM opportunity""",
            opportunity_id,
            outcome,
            why,
            decided_by,
            f"Closed as {verdict} by {decided_by}.",
        )
        if status != outcome:
            raise OpportunityNotOpen(f"opportunity {opportunity_id} is {status}")
