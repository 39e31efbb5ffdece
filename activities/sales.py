"""Sales activities: the onboarding's calls to the Sales CRM, whichever backend serves it."""

from __future__ import annotations

from temporalio import activity

from activities.errors import broken_rules_fail_the_activity, crm_faults_as_activity_errors
from activities.models import (
    CloseLeadInput,
    CloseOpportunityInput,
    CreateLeadInput,
    QualifyLeadInput,
)
from sales.port import SalesBackend


class SalesActivities:
    def __init__(self, sales: SalesBackend) -> None:
        self._sales = sales

    @activity.defn
    async def create_lead(self, data: CreateLeadInput) -> None:
        """An unowned lead from the Commerce prospect, with a note saying where it came from."""
        with crm_faults_as_activity_errors():
            await self._sales.create_lead(
                data.lead_id, data.prospect_id, data.reference, data.request
            )

    @activity.defn
    async def qualify_lead(self, data: QualifyLeadInput) -> None:
        """Qualify the lead and create its account, contact and opportunity."""
        with broken_rules_fail_the_activity(), crm_faults_as_activity_errors():
            await self._sales.qualify_lead(
                data.lead_id, data.opportunity_id, data.contact_id, data.account_id,
                data.decided_by,
            )  # fmt: skip

    @activity.defn
    async def close_lead(self, data: CloseLeadInput) -> None:
        """Disqualify an open lead with its reason."""
        with broken_rules_fail_the_activity(), crm_faults_as_activity_errors():
            await self._sales.disqualify_lead(data.lead_id, data.reason, data.decided_by, data.note)

    @activity.defn
    async def close_opportunity(self, data: CloseOpportunityInput) -> None:
        """Close an open opportunity as won or lost."""
        with broken_rules_fail_the_activity(), crm_faults_as_activity_errors():
            await self._sales.close_opportunity(
                data.opportunity_id, data.outcome, data.reason, data.decided_by
            )
