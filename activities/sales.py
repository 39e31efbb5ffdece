"""The onboarding steps' calls to the Sales CRM, whichever backend serves it.

Each call is idempotent: a retried step repeats it and changes nothing more. The step
activities (activities/onboarding_steps.py) make them; none is an activity of its own.
"""

from __future__ import annotations

from activities.errors import broken_rules_fail_the_activity, crm_faults_as_activity_errors
from activities.onboarding_models import (
    CloseLeadInput,
    CloseOpportunityInput,
    CreateLeadInput,
    QualifyLeadInput,
)
from sales.port import SalesBackend


class SalesWrites:
    def __init__(self, sales: SalesBackend) -> None:
        self._sales = sales

    async def create_lead(self, data: CreateLeadInput) -> None:
        """An unowned lead from the Commerce prospect, with a note saying where it came from."""
        with crm_faults_as_activity_errors():
            await self._sales.create_lead(
                data.lead_id, data.prospect_id, data.reference, data.request
            )

    async def qualify_lead(self, data: QualifyLeadInput) -> None:
        """Qualify the lead and create its account, contact and opportunity."""
        with broken_rules_fail_the_activity(), crm_faults_as_activity_errors():
            await self._sales.qualify_lead(
                data.lead_id,
                data.opportunity_id,
                data.contact_id,
                data.account_id,
                data.decided_by,
            )

    async def close_lead(self, data: CloseLeadInput) -> None:
        """Disqualify an open lead with its reason."""
        with broken_rules_fail_the_activity(), crm_faults_as_activity_errors():
            await self._sales.disqualify_lead(data.lead_id, data.reason, data.decided_by, data.note)

    async def close_opportunity(self, data: CloseOpportunityInput) -> None:
        """Close an open opportunity as won or lost."""
        with broken_rules_fail_the_activity(), crm_faults_as_activity_errors():
            await self._sales.close_opportunity(
                data.opportunity_id, data.outcome, data.reason, data.decided_by
            )
