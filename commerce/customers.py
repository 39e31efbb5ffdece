"""Customers, the customer hierarchy of each partner organization, and its credit limit."""

from __future__ import annotations

from typing import Any

from domain.locale import Locale
from domain.outcomes import CreditLimit
from domain.request import OnboardingRequest
from storage.database import Database

Row = dict[str, Any]
HIERARCHY_PURPOSE = "B2B organization"


def person_name(first: str, last: str, locale: Locale) -> str:
    # Japanese names are written family name first.
    return f"{last} {first}" if locale == "ja" else f"{first} {last}"


class Customers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_pair(
        self,
        prospect_id: str,
        person_customer_id: str,
        organization_customer_id: str,
        sales_contact_id: str,
        sales_account_id: str,
        request: OnboardingRequest,
    ) -> None:
        """Write the Sales contact as a person customer and the account as an organization."""
        contact, company = request.contact, request.company
        # One statement: both customers or neither, in one round trip.
        await self._db.execute(
            """WITH person AS (
                   INSERT INTO customers (id, customer_type, prospect_id, name, first_name,
                       last_name, email, phone, sales_record_id)
                   VALUES ($1, 'person', $2, $3, $4, $5, $6, $7, $8)
                   ON CONFLICT (id) DO NOTHING)
               INSERT INTO customers (id, customer_type, prospect_id, name, phone,
                   sales_record_id)
               VALUES ($9, 'organization', $2, $10, $11, $12)
               ON CONFLICT (id) DO NOTHING""",
            person_customer_id,
            prospect_id,
            person_name(contact.first_name, contact.last_name, request.locale),
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.phone,
            sales_contact_id,
            organization_customer_id,
            company.name,
            company.phone,
            sales_account_id,
        )

    async def create_hierarchy(
        self, hierarchy_id: str, name: str, organization_customer_id: str, admin_customer_id: str
    ) -> None:
        """The organization at the root, the requester as its one admin."""
        await self._db.execute(
            """WITH hierarchy AS (
                   INSERT INTO customer_hierarchies (id, name, purpose, organization_customer_id)
                   VALUES ($1, $2, $3, $4)
                   ON CONFLICT (id) DO NOTHING)
               INSERT INTO customer_hierarchy_members (hierarchy_id, customer_id, role)
               VALUES ($1, $5, 'admin')
               ON CONFLICT (hierarchy_id, customer_id) DO NOTHING""",
            hierarchy_id,
            name,
            HIERARCHY_PURPOSE,
            organization_customer_id,
            admin_customer_id,
        )

    async def set_credit_limit(self, customer_id: str, credit_limit: CreditLimit) -> None:
        """The limit the approval set, kept in the history as its first entry. A retry writes
        nothing more, and never undoes a change staff made since."""
        async with self._db.acquire() as conn, conn.transaction():
            added = await conn.fetchval(
                """INSERT INTO credit_limits (customer_id, amount, currency) VALUES ($1, $2, $3)
                   ON CONFLICT (customer_id) DO NOTHING RETURNING true""",
                customer_id,
                credit_limit.amount,
                credit_limit.currency,
            )
            if added:
                await conn.execute(
                    """INSERT INTO credit_limit_changes (customer_id, change_key, new_amount,
                           currency, changed_by, reason)
                       VALUES ($1, $1 || ':approval', $2, $3, 'approval', 'set at approval')
                       ON CONFLICT (change_key) DO NOTHING""",
                    customer_id,
                    credit_limit.amount,
                    credit_limit.currency,
                )

    async def hierarchy(self, hierarchy_id: str) -> Row | None:
        """The hierarchy with its organization, credit limit and members."""
        row = await self._db.fetchrow(
            """SELECT h.id, h.name, h.purpose, h.created_at, h.organization_customer_id,
                      o.name AS organization_name, o.prospect_id, p.reference,
                      cl.amount AS credit_limit_amount, cl.currency AS credit_limit_currency,
                      h.second_factor_required
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
        members = await self._db.fetch(
            """SELECT c.id AS customer_id, c.name, c.email, m.role,
                      u.id AS site_user_id, u.status AS site_user_status,
                      u.spending_limit, u.last_sign_in_at
               FROM customer_hierarchy_members m
               JOIN customers c ON c.id = m.customer_id
               LEFT JOIN site_users u ON u.customer_id = c.id
               WHERE m.hierarchy_id = $1 ORDER BY m.role, c.name""",
            hierarchy_id,
        )
        hierarchy["members"] = [dict(m) for m in members]
        return hierarchy
