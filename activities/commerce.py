"""Commerce activities: prospects, customers, hierarchies, credit limits, site users."""

from __future__ import annotations

from temporalio import activity

from activities.errors import broken_rules_fail_the_activity
from activities.models import (
    AddSiteUserInput,
    ApprovePartnerInput,
    CloseProspectInput,
    CreateCustomersInput,
    CreateHierarchyInput,
    RecordProspectInput,
    SetCreditLimitInput,
)
from commerce.store import CommerceStore, PartnerApproval


class CommerceActivities:
    def __init__(self, store: CommerceStore) -> None:
        self._store = store

    @activity.defn
    async def record_prospect(self, data: RecordProspectInput) -> None:
        """Store the request as a pending prospect (once per onboarding reference)."""
        await self._store.prospects.record(
            data.prospect_id, data.reference, data.request, data.submitted_at
        )

    @activity.defn
    async def close_prospect(self, data: CloseProspectInput) -> None:
        """Move a pending prospect to its final status; repeating the same close changes nothing."""
        with broken_rules_fail_the_activity():
            await self._store.prospects.close(data.prospect_id, data.status, data.reason)

    @activity.defn
    async def create_customers(self, data: CreateCustomersInput) -> None:
        """Write the Sales contact as a person customer and the account as an organization."""
        await self._store.customers.create_pair(
            data.prospect_id,
            data.person_customer_id,
            data.organization_customer_id,
            data.sales_contact_id,
            data.sales_account_id,
            data.request,
        )

    @activity.defn
    async def create_customer_hierarchy(self, data: CreateHierarchyInput) -> None:
        """The organization at the root, the requester as its one admin."""
        await self._store.customers.create_hierarchy(
            data.hierarchy_id, data.name, data.organization_customer_id, data.admin_customer_id
        )

    @activity.defn
    async def set_credit_limit(self, data: SetCreditLimitInput) -> None:
        await self._store.customers.set_credit_limit(
            data.organization_customer_id, data.credit_limit
        )

    @activity.defn
    async def approve_partner(self, data: ApprovePartnerInput) -> None:
        """Approve the prospect, create the hierarchy, its credit limit and the admin's site
        user, in one transaction."""
        hierarchy, user = data.hierarchy, data.site_user
        with broken_rules_fail_the_activity():
            await self._store.approve_partner(
                PartnerApproval(
                    prospect_id=data.prospect_id,
                    hierarchy_id=hierarchy.hierarchy_id,
                    name=hierarchy.name,
                    organization_customer_id=hierarchy.organization_customer_id,
                    admin_customer_id=hierarchy.admin_customer_id,
                    credit_limit=data.credit_limit,
                    site_user_id=user.site_user_id,
                    email=user.email,
                )
            )

    @activity.defn
    async def add_site_user(self, data: AddSiteUserInput) -> None:
        """Invite the requester to the B2B site; the approval email carries the activation link."""
        with broken_rules_fail_the_activity():
            await self._store.site_users.invite(
                data.site_user_id,
                data.person_customer_id,
                data.hierarchy_id,
                data.email,
            )
