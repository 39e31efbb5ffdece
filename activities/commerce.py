"""Commerce back office: prospects, customers, hierarchies, credit limits, site users."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from activities.db import Database
from activities.errors import business_error
from activities.models import (
    AddSiteUserInput,
    CloseProspectInput,
    CreateCustomersInput,
    CreateHierarchyInput,
    RecordProspectInput,
    SetCreditLimitInput,
)
from activities.tokens import ActivationTokens

HIERARCHY_PURPOSE = "B2B organization"


def person_name(first: str, last: str, locale: str) -> str:
    # Japanese names are written family name first.
    return f"{last} {first}" if locale == "ja" else f"{first} {last}"


class CommerceActivities:
    def __init__(self, pool: Database, tokens: ActivationTokens) -> None:
        self._pool = pool
        self._tokens = tokens

    @activity.defn
    async def record_prospect(self, data: RecordProspectInput) -> None:
        """Store the request as a pending prospect (once per onboarding reference)."""
        req = data.request
        await self._pool.execute(
            """INSERT INTO prospects (id, reference, status, company_name, company, first_name,
                   last_name, email, phone, job_title, comments, locale, submitted_at)
               VALUES ($1, $2, 'pending', $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (reference) DO NOTHING""",
            data.prospect_id,
            data.reference,
            req.company.name,
            req.company.model_dump_json(),
            req.contact.first_name,
            req.contact.last_name,
            req.contact.email,
            req.contact.phone,
            req.contact.job_title,
            req.comments,
            req.locale,
            data.submitted_at,
        )

    @activity.defn
    async def close_prospect(self, data: CloseProspectInput) -> None:
        """Move a pending prospect to its final status; repeating the same close changes nothing."""
        async with self._pool.acquire() as conn:
            status = await conn.fetchval(
                """UPDATE prospects SET status = $2, status_reason = $3, updated_at = now()
                   WHERE id = $1 AND status = 'pending'
                   RETURNING status""",
                data.prospect_id,
                data.status.value,
                data.reason,
            ) or await conn.fetchval("SELECT status FROM prospects WHERE id = $1", data.prospect_id)
        if status != data.status:
            raise business_error("ProspectNotPending", f"prospect {data.prospect_id} is {status}")

    @activity.defn
    async def create_customers(self, data: CreateCustomersInput) -> None:
        """Write the Sales contact as a person customer and the account as an organization."""
        contact, company = data.request.contact, data.request.company
        # One statement: both customers or neither, in one round trip.
        await self._pool.execute(
            """WITH person AS (
                   INSERT INTO customers (id, customer_type, prospect_id, name, first_name,
                       last_name, email, phone, sales_record_id)
                   VALUES ($1, 'person', $2, $3, $4, $5, $6, $7, $8)
                   ON CONFLICT (id) DO NOTHING)
               INSERT INTO customers (id, customer_type, prospect_id, name, phone,
                   sales_record_id)
               VALUES ($9, 'organization', $2, $10, $11, $12)
               ON CONFLICT (id) DO NOTHING""",
            data.person_customer_id,
            data.prospect_id,
            person_name(contact.first_name, contact.last_name, data.request.locale),
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.phone,
            data.sales_contact_id,
            data.organization_customer_id,
            company.name,
            company.phone,
            data.sales_account_id,
        )

    @activity.defn
    async def create_customer_hierarchy(self, data: CreateHierarchyInput) -> None:
        """The organization at the root, the requester as its one admin."""
        await self._pool.execute(
            """WITH hierarchy AS (
                   INSERT INTO customer_hierarchies (id, name, purpose, organization_customer_id)
                   VALUES ($1, $2, $3, $4)
                   ON CONFLICT (id) DO NOTHING)
               INSERT INTO customer_hierarchy_members (hierarchy_id, customer_id, role)
               VALUES ($1, $5, 'admin')
               ON CONFLICT (hierarchy_id, customer_id) DO NOTHING""",
            data.hierarchy_id,
            data.name,
            HIERARCHY_PURPOSE,
            data.organization_customer_id,
            data.admin_customer_id,
        )

    @activity.defn
    async def set_credit_limit(self, data: SetCreditLimitInput) -> None:
        await self._pool.execute(
            """INSERT INTO credit_limits (customer_id, amount, currency) VALUES ($1, $2, $3)
               ON CONFLICT (customer_id) DO UPDATE
                   SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, updated_at = now()
                   WHERE (credit_limits.amount, credit_limits.currency)
                       IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.currency)""",
            data.organization_customer_id,
            data.credit_limit.amount,
            data.credit_limit.currency,
        )

    @activity.defn
    async def add_site_user(self, data: AddSiteUserInput) -> None:
        """Invite the requester to the B2B site; only a hash of the activation token is kept."""
        try:
            await self._pool.execute(
                """INSERT INTO site_users (id, customer_id, hierarchy_id, email, status,
                       activation_token_hash)
                   VALUES ($1, $2, $3, $4, 'invited', $5)
                   ON CONFLICT (id) DO NOTHING""",
                data.site_user_id,
                data.person_customer_id,
                data.hierarchy_id,
                data.email,
                self._tokens.hash_for(data.site_user_id),
            )
        except asyncpg.UniqueViolationError as err:
            raise business_error(
                "SiteUserEmailTaken", f"a site user with email {data.email} exists"
            ) from err
