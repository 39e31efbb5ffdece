"""The benchmark's fixed reference: the onboarding's shape before "one task per decision",
with activities that do nothing (bench/noop.py).

Its history is the shape the real path had when the cost issue was measured: one local
activity per store write, each email a regular activity (scheduled, started, completed, then
a workflow task), a status upsert per step, the reminder timer, and the decisions as updates
(the staff API's). It keeps the workflow type name, query and update names, so the same
driver runs it; the real workflow may change shape, this one must not.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.models import EmailKind
    from activities.onboarding_models import (
        AddSiteUserInput,
        CloseLeadInput,
        CloseOpportunityInput,
        CloseProspectInput,
        CreateCustomersInput,
        CreateHierarchyInput,
        CreateLeadInput,
        QualifyLeadInput,
        RecordProspectInput,
    )
    from bench.reference_inputs import SetCreditLimitInput, email_input
    from domain.outcomes import DisqualifyReason, ProspectStatus
    from workflows.models import (
        HistoryEntry,
        LeadDisqualified,
        LeadQualified,
        OnboardingIds,
        OnboardingInput,
        OnboardingState,
        OnboardingStatus,
        OpportunityClosed,
    )

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
STATUS = SearchAttributeKey.for_keyword("OnboardingStatus")
COMPANY = SearchAttributeKey.for_keyword("CompanyName")


def _id(prefix: str) -> str:
    return f"{prefix}-{workflow.uuid4().hex[:20]}"


@workflow.defn(name="OnboardingWorkflow")
class ReferenceShape:
    @workflow.init
    def __init__(self, data: OnboardingInput) -> None:
        self._input, self._request = data, data.request
        self._state = OnboardingState(
            reference=data.reference,
            status=OnboardingStatus.PENDING,
            company_name=data.request.company.name,
            ids=OnboardingIds(),
            history=[HistoryEntry(at=workflow.now(), event="requested")],
        )
        self._lead: LeadQualified | LeadDisqualified | None = None
        self._closed: OpportunityClosed | None = None

    @workflow.run
    async def run(self, data: OnboardingInput) -> OnboardingState:
        ids, req = self._state.ids, self._request
        self._status(OnboardingStatus.PENDING)
        workflow.patched("local-store-writes")
        ids.prospect_id = _id("PRO")
        await self._store(
            "record_prospect",
            RecordProspectInput(
                prospect_id=ids.prospect_id,
                reference=data.reference,
                request=req,
                submitted_at=workflow.now(),
            ),
        )
        ids.lead_id = _id("LEAD")
        await self._store(
            "create_lead",
            CreateLeadInput(
                lead_id=ids.lead_id,
                prospect_id=ids.prospect_id,
                reference=data.reference,
                request=req,
            ),
        )
        await self._email(EmailKind.ACKNOWLEDGEMENT)
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._lead is not None, timeout=data.policy.reminder_after
            )
        if isinstance(self._lead, LeadDisqualified):
            await self._store(
                "close_lead",
                CloseLeadInput(
                    lead_id=ids.lead_id, reason=DisqualifyReason.LOST, decided_by="bench", note=""
                ),
            )
            await self._reject()
            return self._state
        await self._qualify()
        await workflow.wait_condition(lambda: self._closed is not None)
        assert self._closed is not None
        await self._store(
            "close_opportunity",
            CloseOpportunityInput(
                opportunity_id=ids.opportunity_id or "",
                outcome=self._closed.outcome,
                reason=self._closed.reason,
                decided_by="bench",
            ),
        )
        if self._closed.outcome == "won":
            await self._approve()
        else:
            await self._reject()
        return self._state

    async def _qualify(self) -> None:
        ids = self._state.ids
        ids.opportunity_id, ids.contact_id, ids.account_id = _id("OPP"), _id("CON"), _id("ACC")
        await self._store(
            "qualify_lead",
            QualifyLeadInput(
                lead_id=ids.lead_id or "",
                opportunity_id=ids.opportunity_id,
                contact_id=ids.contact_id,
                account_id=ids.account_id,
                decided_by="bench",
            ),
        )
        ids.person_customer_id, ids.organization_customer_id = _id("CUS"), _id("CUS")
        await self._store(
            "create_customers",
            CreateCustomersInput(
                prospect_id=ids.prospect_id or "",
                person_customer_id=ids.person_customer_id,
                organization_customer_id=ids.organization_customer_id,
                sales_contact_id=ids.contact_id,
                sales_account_id=ids.account_id,
                request=self._request,
            ),
        )
        self._status(OnboardingStatus.QUALIFIED)

    async def _approve(self) -> None:
        ids = self._state.ids
        await self._close_prospect(ProspectStatus.APPROVED)
        ids.customer_hierarchy_id, ids.site_user_id = _id("HIER"), _id("USR")
        await self._store(
            "create_customer_hierarchy",
            CreateHierarchyInput(
                hierarchy_id=ids.customer_hierarchy_id,
                name=self._request.company.name,
                organization_customer_id=ids.organization_customer_id or "",
                admin_customer_id=ids.person_customer_id or "",
            ),
        )
        await self._store(
            "set_credit_limit",
            SetCreditLimitInput(
                organization_customer_id=ids.organization_customer_id or "",
                credit_limit=self._input.policy.credit_limit,
            ),
        )
        await self._store(
            "add_site_user",
            AddSiteUserInput(
                site_user_id=ids.site_user_id,
                person_customer_id=ids.person_customer_id or "",
                hierarchy_id=ids.customer_hierarchy_id,
                email=self._request.contact.email,
            ),
        )
        await self._email(EmailKind.APPROVED, site_user_id=ids.site_user_id)
        self._status(OnboardingStatus.APPROVED)
        self._state.closed = True

    async def _reject(self) -> None:
        self._status(OnboardingStatus.REJECTED)
        await self._close_prospect(ProspectStatus.REJECTED)
        await self._email(EmailKind.REJECTED)
        self._state.closed = True

    async def _close_prospect(self, status: Any) -> None:
        await self._store(
            "close_prospect",
            CloseProspectInput(
                prospect_id=self._state.ids.prospect_id or "", status=status, reason=None
            ),
        )

    async def _store(self, name: str, arg: Any) -> None:
        await workflow.execute_local_activity(
            name, arg, start_to_close_timeout=timedelta(seconds=10), retry_policy=RETRY
        )

    async def _email(self, kind: EmailKind, site_user_id: str | None = None) -> None:
        await workflow.execute_activity(
            "send_email",
            email_input(self._state.reference, self._request, kind, site_user_id),
            start_to_close_timeout=timedelta(minutes=5),
            heartbeat_timeout=timedelta(seconds=20),
            retry_policy=RETRY,
        )

    def _status(self, status: OnboardingStatus) -> None:
        self._state.status = status
        workflow.upsert_search_attributes(
            [STATUS.value_set(status.value), COMPANY.value_set(self._state.company_name)]
        )

    @workflow.query
    def state(self) -> OnboardingState:
        return self._state

    @workflow.update
    async def decide_qualify_lead(self, decision: LeadQualified) -> OnboardingState:
        self._lead = decision
        await workflow.wait_condition(lambda: self._state.status is not OnboardingStatus.PENDING)
        return self._state

    @workflow.update
    def decide_disqualify_lead(self, decision: LeadDisqualified) -> OnboardingState:
        self._lead = decision
        return self._state

    @workflow.update
    def decide_close_opportunity(self, decision: OpportunityClosed) -> OnboardingState:
        self._closed = decision
        return self._state
