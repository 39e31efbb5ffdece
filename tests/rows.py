"""Read back what an onboarding wrote to both stores, as plain dicts for exact comparison."""

from __future__ import annotations

from typing import Any

from plumbing.stores import Stores
from workflows.models import OnboardingIds

Row = dict[str, Any]


async def prospect(stores: Stores, reference: str) -> Row | None:
    row = await stores.commerce.fetchrow(
        "SELECT id, status, status_reason, company_name, first_name, last_name, email, locale"
        " FROM prospects WHERE reference = $1",
        reference,
    )
    return dict(row) if row else None


async def commerce_rows(stores: Stores, ids: OnboardingIds) -> dict[str, list[Row]]:
    """Every Commerce row that belongs to one onboarding, keyed by table."""
    c = stores.commerce
    hierarchy = ids.customer_hierarchy_id
    queries = {
        "customers": (
            "SELECT id, customer_type, name, email, sales_record_id FROM customers"
            " WHERE prospect_id = $1 ORDER BY customer_type",
            ids.prospect_id,
        ),
        "customer_hierarchies": (
            "SELECT id, name, purpose, organization_customer_id FROM customer_hierarchies"
            " WHERE id = $1",
            hierarchy,
        ),
        "customer_hierarchy_members": (
            "SELECT customer_id, role FROM customer_hierarchy_members WHERE hierarchy_id = $1",
            hierarchy,
        ),
        "credit_limits": (
            "SELECT customer_id, amount, currency FROM credit_limits WHERE customer_id = $1",
            ids.organization_customer_id,
        ),
        "site_users": (
            "SELECT id, customer_id, hierarchy_id, email, status"
            " FROM site_users WHERE hierarchy_id = $1",
            hierarchy,
        ),
        "account_tokens": (
            "SELECT token_hash, purpose, used_at IS NULL AS unused,"
            " expires_at > now() + interval '6 days' AS lasts_a_week FROM account_tokens"
            " WHERE audience = 'site'"
            " AND account_id IN (SELECT id FROM site_users WHERE hierarchy_id = $1)",
            hierarchy,
        ),
    }
    return {
        name: [dict(r) for r in await c.fetch(sql, arg)] for name, (sql, arg) in queries.items()
    }


async def sales_rows(stores: Stores, lead_id: str) -> dict[str, list[Row]]:
    """The lead, what qualifying it created, and the timeline notes of both records."""
    s = stores.sales
    lead = [
        dict(r)
        for r in await s.fetch(
            "SELECT id, status, status_reason, origin, owner, first_name, last_name, email,"
            " company_name, decided_by FROM leads WHERE id = $1",
            lead_id,
        )
    ]
    opportunities = [
        dict(r)
        for r in await s.fetch(
            "SELECT id, status, status_reason, account_id, contact_id, decided_by"
            " FROM opportunities WHERE lead_id = $1",
            lead_id,
        )
    ]
    record_ids = [lead_id] + [o["id"] for o in opportunities]
    notes = [
        dict(r)
        for r in await s.fetch(
            "SELECT record_type, note_key, body FROM timeline_notes"
            " WHERE record_id = ANY($1::text[]) ORDER BY record_type, id",
            record_ids,
        )
    ]
    return {
        "leads": lead,
        "opportunities": opportunities,
        "accounts": [
            dict(r)
            for r in await s.fetch("SELECT id, name FROM accounts WHERE lead_id = $1", lead_id)
        ],
        "contacts": [
            dict(r)
            for r in await s.fetch(
                "SELECT id, account_id, email FROM contacts WHERE lead_id = $1", lead_id
            )
        ],
        "timeline_notes": notes,
    }


async def outbox(stores: Stores, reference: str) -> list[Row]:
    return [
        dict(r)
        for r in await stores.commerce.fetch(
            "SELECT message_id, kind, sequence, recipient, sent_at IS NOT NULL AS sent"
            " FROM email_outbox WHERE reference = $1 ORDER BY created_at",
            reference,
        )
    ]
