"""The onboarding steps' Commerce writes: prospects, customers, the partner's approval.

Each write is idempotent: a retried step repeats it and changes nothing more. The step
activities (activities/onboarding_steps.py) call them; none is an activity of its own.
"""

from __future__ import annotations

from activities.errors import broken_rules_fail_the_activity
from activities.onboarding_models import (
    ApprovePartnerInput,
    CloseProspectInput,
    CreateCustomersInput,
    RecordProspectInput,
)
from commerce.store import CommerceStore, PartnerApproval


class CommerceWrites:
    def __init__(self, store: CommerceStore) -> None:
        self._store = store

    async def record_prospect(self, data: RecordProspectInput) -> None:
        """Store the request as a pending prospect (once per onboarding reference)."""
        await self._store.prospects.record(
            data.prospect_id, data.reference, data.request, data.submitted_at
        )

    async def close_prospect(self, data: CloseProspectInput) -> None:
        """Move a pending prospect to its final status; repeating the same close changes nothing."""
        with broken_rules_fail_the_activity():
            await self._store.prospects.close(data.prospect_id, data.status, data.reason)

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

    async def approve_partner(self, data: ApprovePartnerInput) -> bool:
        """Approve the prospect, create the hierarchy, its credit limit and the admin's site
        user, in one transaction; False, with nothing written, when the requester's email
        is a site user's already (the prospect then shows the approval blocked)."""
        hierarchy, user = data.hierarchy, data.site_user
        with broken_rules_fail_the_activity():
            return await self._store.approve_partner(
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
