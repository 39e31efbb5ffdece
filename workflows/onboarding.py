"""The onboarding workflow: request, lead decision, opportunity outcome, partner or rejection.

Each step's writes are one local activity that also publishes the state the step leaves (to
Commerce), so staff reads need not query the run; decisions the run ignores are published as
they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow

from workflows.activity_calls import Activity, local_step, send_email_locally_first
from workflows.company_verification import CompanyVerification
from workflows.information_request_handlers import InformationRequestHandlers
from workflows.information_requests import InformationRequests
from workflows.onboarding_decisions import DecisionIntake, refuse_if
from workflows.onboarding_state import PublishedState, StateChange

with workflow.unsafe.imports_passed_through():
    from activities.models import EmailKind, SendEmailInput, approval_details
    from activities.onboarding_models import (
        ApproveOnboardingInput,
        ApprovePartnerInput,
        CloseLeadInput,
        CloseOnboardingInput,
        CloseOpportunityInput,
        CloseProspectInput,
        CreateCustomersInput,
        CreateLeadInput,
        OnboardingEmailInput,
        OnboardingSnapshot,
        OpenOnboardingInput,
        QualifyLeadInput,
        QualifyOnboardingInput,
        RecordProspectInput,
    )
    from activities.onboarding_steps import OnboardingStepActivities
    from domain.outcomes import EMAIL_HELD, ClosedProspectStatus, ProspectStatus
    from workflows.models import (
        BlockedApprovalResolved,
        LeadDisqualified,
        LeadQualified,
        OnboardingInput,
        OnboardingState,
        OnboardingStatus,
        OpportunityClosed,
    )

Taken = TypeVar("Taken")


def new_id(prefix: str) -> str:
    """A fresh id, drawn from the workflow's seeded random: a replay draws the same."""
    return f"{prefix}-{workflow.uuid4().hex[:20]}"


@workflow.defn
class OnboardingWorkflow(InformationRequestHandlers):
    @workflow.init
    def __init__(self, data: OnboardingInput) -> None:
        self._input = data
        self._request = data.request
        self._published = PublishedState(data)
        self._state = self._published.state
        self._decisions = DecisionIntake(self._published)
        self._requests = InformationRequests(data, self._published, self._decisions)
        self._acknowledgement: asyncio.Task[None] | None = None
        self._verification = CompanyVerification()

    @workflow.run
    async def run(self, data: OnboardingInput) -> OnboardingState:
        self._published.publish_status()
        await self._open()
        lead_decision = await self._await_lead_decision()
        await self._requests.close_all()
        if lead_decision is None:
            await self._expire()
        elif isinstance(lead_decision, LeadDisqualified):
            await self._disqualify(lead_decision)
        else:
            await self._qualify(lead_decision)
            decision = await self._await_decision(lambda: self._decisions.opportunity)
            if decision.outcome == "won":
                await self._approve(decision)
            else:
                await self._lose(decision)
        await self._requests.finished()
        if self._published.unpublished:
            # A decision ignored while the last email went out.
            await self._publish_now()
        self._state.closed = True
        return self._state

    @workflow.query
    def state(self) -> OnboardingState:
        return self._state

    # Decisions arrive as signals or as updates; their rules are the intake's
    # (workflows/onboarding_decisions.py).

    @workflow.signal
    def qualify_lead(self, decision: LeadQualified) -> None:
        self._decisions.take_lead("lead_qualified", decision)

    @workflow.signal
    def disqualify_lead(self, decision: LeadDisqualified) -> None:
        self._decisions.take_lead("lead_disqualified", decision)

    @workflow.signal
    def close_opportunity(self, decision: OpportunityClosed) -> None:
        self._decisions.take_opportunity(decision)

    @workflow.update
    async def decide_qualify_lead(self, decision: LeadQualified) -> OnboardingState:
        """Completes once the opportunity and customers exist, so the caller can act at once."""
        self._decisions.take_lead("lead_qualified", decision)
        await workflow.wait_condition(
            lambda: self._state.status is not OnboardingStatus.PENDING or self._state.closed
        )
        return self._state

    @decide_qualify_lead.validator
    def _validate_qualify_lead(self, decision: LeadQualified) -> None:
        refuse_if(self._decisions.lead_refusal())

    @workflow.update
    def decide_disqualify_lead(self, decision: LeadDisqualified) -> OnboardingState:
        self._decisions.take_lead("lead_disqualified", decision)
        return self._state

    @decide_disqualify_lead.validator
    def _validate_disqualify_lead(self, decision: LeadDisqualified) -> None:
        refuse_if(self._decisions.lead_refusal())

    @workflow.update
    def decide_close_opportunity(self, decision: OpportunityClosed) -> OnboardingState:
        self._decisions.take_opportunity(decision)
        return self._state

    @decide_close_opportunity.validator
    def _validate_close_opportunity(self, decision: OpportunityClosed) -> None:
        refuse_if(self._decisions.opportunity_refusal())

    @workflow.update
    async def resolve_blocked_approval(
        self, resolution: BlockedApprovalResolved
    ) -> OnboardingState:
        """Retry the approval once the address is free, or reject the onboarding; completes
        once the run has acted on it (a retry's approval step done, or the rejection begun)."""
        self._decisions.take_resolution(resolution)
        await workflow.wait_condition(lambda: self._decisions.resolution is not resolution)
        return self._state

    @resolve_blocked_approval.validator
    def _validate_resolution(self, resolution: BlockedApprovalResolved) -> None:
        refuse_if(self._decisions.resolution_refusal())

    # -- waits ---------------------------------------------------------------------------

    async def _await_lead_decision(self) -> LeadQualified | LeadDisqualified | None:
        """Wait for the salesperson, reminding the Sales inbox; None when the request expired."""
        policy = self._input.policy
        waiting_since = workflow.now()
        expires_at = waiting_since + policy.expire_after
        self._requests.lead_expires_at = expires_at  # no command: a due date is checked by it
        while True:
            sent = self._state.reminders_sent
            remind_at = waiting_since + policy.reminder_after + sent * policy.reminder_interval
            wake_at = min(self._requests.shift(remind_at), expires_at)
            if self._decisions.lead is None and workflow.now() < wake_at:
                # wait_condition raises TimeoutError when it is time to remind or expire.
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._decisions.lead is not None or self._published.unpublished,
                        timeout=wake_at - workflow.now(),
                    )
            if self._decisions.lead is not None:
                return self._decisions.lead
            if self._published.unpublished:
                await self._publish_now()
                continue
            if workflow.now() >= expires_at:
                return None
            if workflow.now() < self._requests.shift(remind_at):
                continue  # paused by an information request (which publishes its changes)
            await self._remind(sent + 1, workflow.now() - waiting_since)

    async def _remind(self, sequence: int, waited: timedelta) -> None:
        at = workflow.now()

        def reminded(state: OnboardingState) -> None:
            state.reminders_sent = sequence
            state.record("reminder_sent", at=at, note=f"reminder {sequence}")

        await self._email(
            EmailKind.REMINDER,
            to=self._input.policy.sales_inbox,
            sequence=sequence,
            publish=self._published.after(reminded),
            lead_id=self._state.ids.lead_id,
            waiting_days=waited.days,
        )
        self._published.apply(reminded)

    async def _await_decision(self, taken: Callable[[], Taken | None]) -> Taken:
        """Wait for the opportunity's outcome, or for staff's word on a blocked approval: a
        person must act, so there is no deadline; decisions ignored meanwhile are published."""
        while (decision := taken()) is None:
            await workflow.wait_condition(
                lambda: taken() is not None or self._published.unpublished
            )
            if taken() is None:
                await self._publish_now()
        return decision

    # -- steps ---------------------------------------------------------------------------

    # Each id enters the queryable state only once its record exists, so a client that reads
    # an id from the state can always fetch the record.

    async def _open(self) -> None:
        prospect = RecordProspectInput.for_request(
            self._state.reference, self._request, workflow.now(), new_id
        )
        lead = CreateLeadInput.for_prospect(prospect, new_id)

        def opened(state: OnboardingState) -> None:
            state.ids.prospect_id = prospect.prospect_id
            state.ids.lead_id = lead.lead_id

        await self._step(
            OnboardingStepActivities.open_onboarding,
            lambda published: OpenOnboardingInput(prospect=prospect, lead=lead, publish=published),
            opened,
        )
        # The acknowledgement goes out beside the wait for the lead decision, not before it:
        # past the shop's hourly ceiling it is held back, and that must not hold a decision.
        self._acknowledgement = asyncio.ensure_future(
            self._email(EmailKind.ACKNOWLEDGEMENT, to=self._request.contact.email)
        )
        # The registries' checks, beside the waits too.
        self._verification.start(
            self._state.reference, lead.lead_id, self._input.policy.expire_after
        )

    async def _qualify(self, decision: LeadQualified) -> None:
        ids = self._state.ids
        assert ids.lead_id is not None
        assert ids.prospect_id is not None
        qualify = QualifyLeadInput.for_lead(ids.lead_id, decision.decided_by, new_id)
        customers = CreateCustomersInput.for_qualified(
            ids.prospect_id, qualify, self._request, new_id
        )

        def qualified(state: OnboardingState) -> None:
            state.ids.opportunity_id = qualify.opportunity_id
            state.ids.contact_id = qualify.contact_id
            state.ids.account_id = qualify.account_id
            state.ids.person_customer_id = customers.person_customer_id
            state.ids.organization_customer_id = customers.organization_customer_id
            state.status = OnboardingStatus.QUALIFIED

        await self._step(
            OnboardingStepActivities.qualify_onboarding,
            lambda published: QualifyOnboardingInput(
                qualify=qualify, customers=customers, publish=published
            ),
            qualified,
        )

    async def _approve(self, decision: OpportunityClosed) -> None:
        ids = self._state.ids
        assert ids.prospect_id is not None
        assert ids.person_customer_id is not None
        assert ids.organization_customer_id is not None
        approve = ApprovePartnerInput.for_customers(
            ids.prospect_id,
            self._request,
            person_customer_id=ids.person_customer_id,
            organization_customer_id=ids.organization_customer_id,
            credit_limit=decision.credit_limit or self._input.policy.credit_limit,
            new_id=new_id,
        )

        def approved(state: OnboardingState) -> None:
            state.ids.customer_hierarchy_id = approve.hierarchy.hierarchy_id
            state.ids.site_user_id = approve.site_user.site_user_id
            # Out of `approval_blocked` after a retry; a won onboarding is `qualified` until
            # its approval email is out.
            state.status = OnboardingStatus.QUALIFIED

        while not await self._approval_written(decision, approve, approved):
            resolution = await self._await_decision(lambda: self._decisions.resolution)
            if resolution.action == "reject":
                self._decisions.resolution_acted_on()
                await self._reject(None, None, f"approval blocked: {EMAIL_HELD}")
                return
        await self._final_email(
            EmailKind.APPROVED,
            "approved",
            status=OnboardingStatus.APPROVED,
            site_user_id=approve.site_user.site_user_id,
            **approval_details(self._request),
        )

    async def _approval_written(
        self, decision: OpportunityClosed, approve: ApprovePartnerInput, approved: StateChange
    ) -> bool:
        """The approval's step; False when the requester's email is a site user's already,
        which Commerce refuses, leaving the onboarding `approval_blocked` for staff."""
        at = workflow.now()

        def blocked(state: OnboardingState) -> None:
            state.status = OnboardingStatus.APPROVAL_BLOCKED
            state.record("approval_blocked", at=at, reason=EMAIL_HELD)

        step = ApproveOnboardingInput(
            close_opportunity=self._close_opportunity(decision),
            approve=approve,
            publish=self._published.after(approved),
            publish_blocked=self._published.after(blocked),
        )
        why: str | None = await local_step(OnboardingStepActivities.approve_onboarding, step)
        self._published.apply(approved if why is None else blocked)
        # A retry staff asked for is done, whichever way it went.
        self._decisions.resolution_acted_on()
        return why is None

    async def _expire(self) -> None:
        days = self._input.policy.expire_after.days
        self._published.set_status(OnboardingStatus.EXPIRED)
        assert self._state.ids.lead_id is not None
        close_lead = CloseLeadInput.expired(self._state.ids.lead_id, days)
        await self._close(
            close_lead, None, ProspectStatus.EXPIRED, f"no decision within {days} days"
        )
        await self._final_email(EmailKind.EXPIRED, "expired", expiry_days=days)

    async def _disqualify(self, decision: LeadDisqualified) -> None:
        assert self._state.ids.lead_id is not None
        reason = decision.reason
        close_lead = CloseLeadInput.disqualified(
            self._state.ids.lead_id, reason, decision.decided_by
        )
        await self._reject(close_lead, None, f"lead disqualified: {reason.value}")

    async def _lose(self, decision: OpportunityClosed) -> None:
        assert decision.reason is not None
        close = self._close_opportunity(decision)
        await self._reject(None, close, f"opportunity lost: {decision.reason.value}")

    async def _reject(
        self, close_lead: CloseLeadInput | None, close: CloseOpportunityInput | None, why: str
    ) -> None:
        self._published.set_status(OnboardingStatus.REJECTED)
        await self._close(close_lead, close, ProspectStatus.REJECTED, why)
        await self._final_email(EmailKind.REJECTED, "rejected", reason=why)

    async def _close(
        self,
        close_lead: CloseLeadInput | None,
        close_opportunity: CloseOpportunityInput | None,
        status: ClosedProspectStatus,
        reason: str,
    ) -> None:
        """The Sales record closed, then the prospect: a rejection or an expiry."""
        assert self._state.ids.prospect_id is not None
        prospect = CloseProspectInput(
            prospect_id=self._state.ids.prospect_id, status=status, reason=reason
        )
        await self._step(
            OnboardingStepActivities.close_onboarding,
            lambda published: CloseOnboardingInput(
                close_lead=close_lead,
                close_opportunity=close_opportunity,
                close_prospect=prospect,
                publish=published,
            ),
            lambda state: None,
        )

    def _close_opportunity(self, decision: OpportunityClosed) -> CloseOpportunityInput:
        assert self._state.ids.opportunity_id is not None
        return CloseOpportunityInput(
            opportunity_id=self._state.ids.opportunity_id,
            outcome=decision.outcome,
            reason=decision.reason,
            decided_by=decision.decided_by,
        )

    async def _final_email(
        self,
        kind: EmailKind,
        event: str,
        *,
        status: OnboardingStatus | None = None,
        reason: str | None = None,
        **fields: Any,
    ) -> None:
        """The last email, publishing the closed onboarding once it is out; the
        acknowledgement, should it still be held back, goes first."""
        if self._acknowledgement is not None:
            await self._acknowledgement
        at = workflow.now()

        def ended(state: OnboardingState) -> None:
            state.status = status or state.status
            details = {"reason": reason} if reason is not None else {}
            state.record(event, at=at, **details)
            state.closed = True

        await self._email(
            kind, to=self._request.contact.email, publish=self._published.after(ended), **fields
        )
        self._published.apply(ended)

    # -- activity calls ------------------------------------------------------------------

    async def _step(
        self,
        activity: Activity,
        make_input: Callable[[OnboardingSnapshot], Any],
        change: StateChange,
    ) -> None:
        """Run the step's one local activity; its change enters the state once it is done."""
        await local_step(activity, make_input(self._published.after(change)))
        self._published.apply(change)

    async def _email(
        self, kind: EmailKind, *, publish: OnboardingSnapshot | None = None, **fields: Any
    ) -> None:
        """An email about the request (`fields` as `SendEmailInput.about_request` takes them);
        `publish` is the state published once it is out."""
        email = SendEmailInput.about_request(self._state.reference, self._request, kind, **fields)
        await send_email_locally_first(
            OnboardingStepActivities.send_onboarding_email,
            OnboardingEmailInput(email=email, publish=publish),
            self._input.policy.local_email_attempts_for,
        )

    async def _publish_now(self) -> None:
        await local_step(
            OnboardingStepActivities.publish_onboarding_state,
            self._published.after(lambda state: None),
        )
