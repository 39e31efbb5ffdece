"""The onboarding workflow: request, lead decision, opportunity outcome, partner or rejection."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as TimedOut

with workflow.unsafe.imports_passed_through():
    from activities.commerce import CommerceActivities
    from activities.errors import NON_RETRYABLE_ERRORS
    from activities.mail.sender import EmailActivities
    from activities.models import (
        AddSiteUserInput,
        ApproveOnboardingInput,
        ApprovePartnerInput,
        CloseLeadInput,
        CloseOnboardingInput,
        CloseOpportunityInput,
        CloseProspectInput,
        CreateCustomersInput,
        CreateHierarchyInput,
        CreateLeadInput,
        EmailKind,
        OnboardingEmailInput,
        OnboardingSnapshot,
        OpenOnboardingInput,
        QualifyLeadInput,
        QualifyOnboardingInput,
        RecordProspectInput,
        SendEmailInput,
        SetCreditLimitInput,
    )
    from activities.onboarding_steps import OnboardingStepActivities
    from activities.sales import SalesActivities
    from domain.outcomes import ClosedProspectStatus, DisqualifyReason, ProspectStatus
    from workflows.models import (
        Decision,
        HistoryEntry,
        LeadDisqualified,
        LeadQualified,
        OnboardingIds,
        OnboardingInput,
        OnboardingState,
        OnboardingStatus,
        OpportunityClosed,
    )

STATUS_ATTRIBUTE = SearchAttributeKey.for_keyword("OnboardingStatus")
COMPANY_ATTRIBUTE = SearchAttributeKey.for_keyword("CompanyName")

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
# Store writes take milliseconds; a lost worker's write is retried after this long.
STORE_TIMEOUT = timedelta(seconds=10)
# Covers the email activity's own wait for the outbox after the SMTP server took the mail;
# its heartbeats let a lost worker's email be retried long before that.
EMAIL_TIMEOUT = timedelta(minutes=5)
EMAIL_HEARTBEAT = timedelta(seconds=20)
# Runs started before this change keep their regular store activities when replayed.
LOCAL_STORE_WRITES = "local-store-writes"
# Runs started before this change keep one Commerce write per approval step and their emails
# as regular activities when replayed. Since, a decision's work is done in the one workflow
# task the decision arrives in: the approval is one Commerce transaction, and the emails are
# local activities too (the outbox, not the activity's kind, is what sends each one once).
ONE_TASK_PER_DECISION = "one-task-per-decision"
# Runs started before this change keep their single-write activities when replayed. Since,
# each step's writes are one local activity that also publishes the state the step leaves
# (to Commerce), so staff reads need not query the run; decisions the run ignores are
# published as they arrive.
PUBLISHED_STEPS = "published-steps"
# Past this, a failing local write backs off on a durable timer instead of in the task.
LOCAL_RETRY_THRESHOLD = timedelta(seconds=10)
# Outages shorter than this are ridden out; a longer one fails the run for an operator to see.
GIVE_UP_AFTER = timedelta(days=1)


class DecisionRefused(ApplicationError):
    """The decision does not fit the onboarding's current state."""

    def __init__(self, why: str) -> None:
        super().__init__(why, type="DecisionRefused", non_retryable=True)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{workflow.uuid4().hex[:20]}"


@workflow.defn
class OnboardingWorkflow:
    @workflow.init
    def __init__(self, data: OnboardingInput) -> None:
        self._input = data
        self._request = data.request
        self._state = OnboardingState(
            reference=data.reference,
            status=OnboardingStatus.PENDING,
            company_name=data.request.company.name,
            ids=OnboardingIds(),
            history=[HistoryEntry(at=workflow.now(), event="requested")],
        )
        self._lead_decision: LeadQualified | LeadDisqualified | None = None
        self._opportunity_decision: OpportunityClosed | None = None
        # Set for runs in published steps; the version of the last state published.
        self._in_steps = False
        self._published_version = 0
        self._unpublished = False

    @workflow.run
    async def run(self, data: OnboardingInput) -> OnboardingState:
        self._publish_status()
        if workflow.patched(PUBLISHED_STEPS):
            self._in_steps = True
            await self._run_in_published_steps()
            self._state.closed = True
            return self._state
        await self._open()
        lead_decision = await self._await_lead_decision()
        if lead_decision is None:
            await self._expire()
        elif isinstance(lead_decision, LeadDisqualified):
            await self._disqualify(lead_decision)
        else:
            await self._qualify(lead_decision)
            await workflow.wait_condition(lambda: self._opportunity_decision is not None)
            assert self._opportunity_decision is not None
            if self._opportunity_decision.outcome == "won":
                await self._approve(self._opportunity_decision)
            else:
                await self._lose(self._opportunity_decision)
        self._state.closed = True
        return self._state

    @workflow.query
    def state(self) -> OnboardingState:
        return self._state

    # Decisions arrive as signals (fire and forget, e.g. from a CRM webhook) or as updates
    # (the staff API, which must tell the salesperson at once when a decision cannot be taken).

    @workflow.signal
    def qualify_lead(self, decision: LeadQualified) -> None:
        self._take_lead_decision("lead_qualified", decision)

    @workflow.signal
    def disqualify_lead(self, decision: LeadDisqualified) -> None:
        self._take_lead_decision("lead_disqualified", decision)

    @workflow.signal
    def close_opportunity(self, decision: OpportunityClosed) -> None:
        self._take_opportunity_decision(decision)

    @workflow.update
    async def decide_qualify_lead(self, decision: LeadQualified) -> OnboardingState:
        """Completes once the opportunity and customers exist, so the caller can act at once."""
        self._take_lead_decision("lead_qualified", decision)
        await workflow.wait_condition(
            lambda: self._state.status is not OnboardingStatus.PENDING or self._state.closed
        )
        return self._state

    @decide_qualify_lead.validator
    def _validate_qualify_lead(self, decision: LeadQualified) -> None:
        self._refuse_if(self._lead_decision_refusal())

    @workflow.update
    def decide_disqualify_lead(self, decision: LeadDisqualified) -> OnboardingState:
        self._take_lead_decision("lead_disqualified", decision)
        return self._state

    @decide_disqualify_lead.validator
    def _validate_disqualify_lead(self, decision: LeadDisqualified) -> None:
        self._refuse_if(self._lead_decision_refusal())

    @workflow.update
    def decide_close_opportunity(self, decision: OpportunityClosed) -> OnboardingState:
        self._take_opportunity_decision(decision)
        return self._state

    @decide_close_opportunity.validator
    def _validate_close_opportunity(self, decision: OpportunityClosed) -> None:
        self._refuse_if(self._opportunity_decision_refusal())

    def _lead_decision_refusal(self) -> str | None:
        if self._state.closed or self._state.status is OnboardingStatus.EXPIRED:
            return "the onboarding has ended"
        if self._lead_decision is not None:
            return "the lead is already decided"
        return None

    def _opportunity_decision_refusal(self) -> str | None:
        if self._state.closed:
            return "the onboarding has ended"
        if not isinstance(self._lead_decision, LeadQualified):
            return "the lead is not qualified"
        if self._opportunity_decision is not None:
            return "the opportunity is already closed"
        return None

    @staticmethod
    def _refuse_if(refusal: str | None) -> None:
        # A validator's exception rejects the update before it enters the history.
        if refusal is not None:
            raise DecisionRefused(refusal)

    def _take_lead_decision(self, event: str, decision: LeadQualified | LeadDisqualified) -> None:
        refusal = self._lead_decision_refusal()
        if refusal is not None:
            self._ignore(event, decision, refusal)
        else:
            self._lead_decision = decision
            self._record_decision(event, decision)

    def _take_opportunity_decision(self, decision: OpportunityClosed) -> None:
        event = f"opportunity_{decision.outcome}"
        refusal = self._opportunity_decision_refusal()
        if refusal is not None:
            self._ignore(event, decision, refusal)
        else:
            self._opportunity_decision = decision
            self._record_decision(event, decision)

    # -- steps ---------------------------------------------------------------------------

    # Each id enters the queryable state only once its record exists, so a client that reads
    # an id from the state can always fetch the record.

    async def _open(self) -> None:
        ids, req = self._state.ids, self._request
        prospect = self._prospect_input()
        await self._store(CommerceActivities.record_prospect, prospect)
        ids.prospect_id = prospect.prospect_id
        lead = self._lead_input(prospect.prospect_id)
        await self._store(SalesActivities.create_lead, lead)
        ids.lead_id = lead.lead_id
        await self._email(EmailKind.ACKNOWLEDGEMENT, to=req.contact.email)

    async def _await_lead_decision(self) -> LeadQualified | LeadDisqualified | None:
        """Wait for the salesperson, reminding the Sales inbox; None when the request expired."""
        policy = self._input.policy
        waiting_since = workflow.now()
        expires_at = waiting_since + policy.expire_after
        while True:
            sent = self._state.reminders_sent
            remind_at = waiting_since + policy.reminder_after + sent * policy.reminder_interval
            wake_at = min(remind_at, expires_at)
            if self._lead_decision is None and workflow.now() < wake_at:
                # wait_condition raises TimeoutError when it is time to remind or expire.
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._lead_decision is not None or self._must_publish(),
                        timeout=wake_at - workflow.now(),
                    )
            if self._lead_decision is not None:
                return self._lead_decision
            if self._must_publish():
                await self._publish_now()
                continue
            if workflow.now() >= expires_at:
                return None
            await self._remind(sent + 1, workflow.now() - waiting_since)

    async def _remind(self, sequence: int, waited: timedelta) -> None:
        at = workflow.now()

        def reminded(state: OnboardingState) -> None:
            state.reminders_sent = sequence
            _append(state, "reminder_sent", at=at, note=f"reminder {sequence}")

        await self._email(
            EmailKind.REMINDER,
            to=self._input.policy.sales_inbox,
            sequence=sequence,
            publish=self._after(reminded),
            lead_id=self._state.ids.lead_id,
            waiting_days=waited.days,
        )
        reminded(self._state)

    async def _expire(self) -> None:
        days = self._input.policy.expire_after.days
        self._set_status(OnboardingStatus.EXPIRED)
        await self._close_lead(
            DisqualifyReason.CANCELED, "system", f"Expired: no decision within {days} days."
        )
        await self._close_prospect(ProspectStatus.EXPIRED, f"no decision within {days} days")
        await self._email(EmailKind.EXPIRED, to=self._request.contact.email, expiry_days=days)
        self._record("expired", at=workflow.now())

    async def _disqualify(self, decision: LeadDisqualified) -> None:
        self._set_status(OnboardingStatus.REJECTED)
        await self._close_lead(
            decision.reason,
            decision.decided_by,
            f"Disqualified by {decision.decided_by}: {decision.reason.value}.",
        )
        await self._reject(f"lead disqualified: {decision.reason.value}")

    async def _qualify(self, decision: LeadQualified) -> None:
        ids = self._state.ids
        qualify = self._qualify_input(decision)
        await self._store(SalesActivities.qualify_lead, qualify)
        ids.opportunity_id = qualify.opportunity_id
        ids.contact_id = qualify.contact_id
        ids.account_id = qualify.account_id
        customers = self._customers_input(qualify)
        await self._store(CommerceActivities.create_customers, customers)
        ids.person_customer_id = customers.person_customer_id
        ids.organization_customer_id = customers.organization_customer_id
        self._set_status(OnboardingStatus.QUALIFIED)

    async def _approve(self, decision: OpportunityClosed) -> None:
        ids = self._state.ids
        assert ids.person_customer_id is not None
        assert ids.organization_customer_id is not None
        assert ids.prospect_id is not None
        await self._close_opportunity(decision)
        one_transaction = workflow.patched(ONE_TASK_PER_DECISION)
        if not one_transaction:
            await self._close_prospect(ProspectStatus.APPROVED, None)
        hierarchy = self._hierarchy_input()
        credit_limit = decision.credit_limit or self._input.policy.credit_limit
        if one_transaction:
            site_user = self._site_user(hierarchy.hierarchy_id)
            await self._store(
                CommerceActivities.approve_partner,
                ApprovePartnerInput(
                    prospect_id=ids.prospect_id,
                    hierarchy=hierarchy,
                    credit_limit=credit_limit,
                    site_user=site_user,
                ),
            )
            ids.customer_hierarchy_id = hierarchy.hierarchy_id
        else:
            await self._store(CommerceActivities.create_customer_hierarchy, hierarchy)
            ids.customer_hierarchy_id = hierarchy.hierarchy_id
            await self._store(
                CommerceActivities.set_credit_limit,
                SetCreditLimitInput(
                    organization_customer_id=ids.organization_customer_id,
                    credit_limit=credit_limit,
                ),
            )
            site_user = self._site_user(hierarchy.hierarchy_id)
            await self._store(CommerceActivities.add_site_user, site_user)
        ids.site_user_id = site_user.site_user_id
        await self._email(
            EmailKind.APPROVED,
            to=self._request.contact.email,
            site_user_id=ids.site_user_id,
            **self._approval_details(),
        )
        self._set_status(OnboardingStatus.APPROVED)
        self._record("approved", at=workflow.now())

    # The inputs of each step's writes, shared by every shape; each new id is drawn in the
    # same order in each, so a replay draws the same ids.

    def _prospect_input(self) -> RecordProspectInput:
        return RecordProspectInput(
            prospect_id=_new_id("PRO"),
            reference=self._state.reference,
            request=self._request,
            submitted_at=workflow.now(),
        )

    def _lead_input(self, prospect_id: str) -> CreateLeadInput:
        return CreateLeadInput(
            lead_id=_new_id("LEAD"),
            prospect_id=prospect_id,
            reference=self._state.reference,
            request=self._request,
        )

    def _qualify_input(self, decision: LeadQualified) -> QualifyLeadInput:
        assert self._state.ids.lead_id is not None
        return QualifyLeadInput(
            lead_id=self._state.ids.lead_id,
            opportunity_id=_new_id("OPP"),
            contact_id=_new_id("CON"),
            account_id=_new_id("ACC"),
            decided_by=decision.decided_by,
        )

    def _customers_input(self, qualify: QualifyLeadInput) -> CreateCustomersInput:
        assert self._state.ids.prospect_id is not None
        return CreateCustomersInput(
            prospect_id=self._state.ids.prospect_id,
            person_customer_id=_new_id("CUS"),
            organization_customer_id=_new_id("CUS"),
            sales_contact_id=qualify.contact_id,
            sales_account_id=qualify.account_id,
            request=self._request,
        )

    def _hierarchy_input(self) -> CreateHierarchyInput:
        ids = self._state.ids
        assert ids.organization_customer_id is not None
        assert ids.person_customer_id is not None
        return CreateHierarchyInput(
            hierarchy_id=_new_id("HIER"),
            name=self._request.company.name,
            organization_customer_id=ids.organization_customer_id,
            admin_customer_id=ids.person_customer_id,
        )

    def _approval_details(self) -> dict[str, Any]:
        """What the approval email says besides the greeting."""
        address = self._request.company.address
        return {
            "email": self._request.contact.email,
            "postal_code": address.postal_code if address else None,
            "comments": self._request.comments,
        }

    def _site_user(self, hierarchy_id: str) -> AddSiteUserInput:
        assert self._state.ids.person_customer_id is not None
        return AddSiteUserInput(
            site_user_id=_new_id("USR"),
            person_customer_id=self._state.ids.person_customer_id,
            hierarchy_id=hierarchy_id,
            email=self._request.contact.email,
        )

    async def _lose(self, decision: OpportunityClosed) -> None:
        assert decision.reason is not None
        self._set_status(OnboardingStatus.REJECTED)
        await self._close_opportunity(decision)
        await self._reject(f"opportunity lost: {decision.reason.value}")

    async def _reject(self, reason: str) -> None:
        await self._close_prospect(ProspectStatus.REJECTED, reason)
        await self._email(EmailKind.REJECTED, to=self._request.contact.email)
        self._record("rejected", at=workflow.now(), reason=reason)

    # -- published steps (runs since PUBLISHED_STEPS) ---------------------------------------

    async def _run_in_published_steps(self) -> None:
        await self._open_in_one_step()
        lead_decision = await self._await_lead_decision()
        if lead_decision is None:
            days = self._input.policy.expire_after.days
            self._set_status(OnboardingStatus.EXPIRED)
            await self._close_in_one_step(
                self._close_lead_input(
                    DisqualifyReason.CANCELED, "system", f"Expired: no decision within {days} days."
                ),
                None,
                ProspectStatus.EXPIRED,
                f"no decision within {days} days",
            )
            await self._final_email(EmailKind.EXPIRED, "expired", expiry_days=days)
        elif isinstance(lead_decision, LeadDisqualified):
            self._set_status(OnboardingStatus.REJECTED)
            by, reason = lead_decision.decided_by, lead_decision.reason
            why = f"lead disqualified: {reason.value}"
            close_lead = self._close_lead_input(
                reason, by, f"Disqualified by {by}: {reason.value}."
            )
            await self._close_in_one_step(close_lead, None, ProspectStatus.REJECTED, why)
            await self._final_email(EmailKind.REJECTED, "rejected", reason=why)
        else:
            await self._qualify_in_one_step(lead_decision)
            while self._opportunity_decision is None:
                await workflow.wait_condition(
                    lambda: self._opportunity_decision is not None or self._unpublished
                )
                if self._opportunity_decision is None:
                    await self._publish_now()
            decision = self._opportunity_decision
            if decision.outcome == "won":
                await self._approve_in_one_step(decision)
            else:
                assert decision.reason is not None
                self._set_status(OnboardingStatus.REJECTED)
                why = f"opportunity lost: {decision.reason.value}"
                close = self._close_opportunity_input(decision)
                await self._close_in_one_step(None, close, ProspectStatus.REJECTED, why)
                await self._final_email(EmailKind.REJECTED, "rejected", reason=why)
        if self._unpublished:
            # A decision ignored while the last email went out.
            await self._publish_now()

    async def _open_in_one_step(self) -> None:
        prospect = self._prospect_input()
        lead = self._lead_input(prospect.prospect_id)

        def opened(state: OnboardingState) -> None:
            state.ids.prospect_id = prospect.prospect_id
            state.ids.lead_id = lead.lead_id

        await self._step(
            OnboardingStepActivities.open_onboarding,
            lambda published: OpenOnboardingInput(prospect=prospect, lead=lead, publish=published),
            opened,
        )
        await self._email(EmailKind.ACKNOWLEDGEMENT, to=self._request.contact.email)

    async def _qualify_in_one_step(self, decision: LeadQualified) -> None:
        qualify = self._qualify_input(decision)
        customers = self._customers_input(qualify)

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

    async def _approve_in_one_step(self, decision: OpportunityClosed) -> None:
        ids = self._state.ids
        assert ids.prospect_id is not None
        hierarchy = self._hierarchy_input()
        site_user = self._site_user(hierarchy.hierarchy_id)
        approve = ApprovePartnerInput(
            prospect_id=ids.prospect_id,
            hierarchy=hierarchy,
            credit_limit=decision.credit_limit or self._input.policy.credit_limit,
            site_user=site_user,
        )

        def approved(state: OnboardingState) -> None:
            state.ids.customer_hierarchy_id = hierarchy.hierarchy_id
            state.ids.site_user_id = site_user.site_user_id

        await self._step(
            OnboardingStepActivities.approve_onboarding,
            lambda published: ApproveOnboardingInput(
                close_opportunity=self._close_opportunity_input(decision),
                approve=approve,
                publish=published,
            ),
            approved,
        )
        await self._final_email(
            EmailKind.APPROVED,
            "approved",
            status=OnboardingStatus.APPROVED,
            site_user_id=site_user.site_user_id,
            **self._approval_details(),
        )

    async def _close_in_one_step(
        self,
        close_lead: CloseLeadInput | None,
        close_opportunity: CloseOpportunityInput | None,
        status: ClosedProspectStatus,
        reason: str,
    ) -> None:
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

    async def _final_email(
        self,
        kind: EmailKind,
        event: str,
        *,
        status: OnboardingStatus | None = None,
        site_user_id: str | None = None,
        reason: str | None = None,
        **extra: Any,
    ) -> None:
        """The last email, publishing the closed onboarding once it is out."""

        at = workflow.now()

        def ended(state: OnboardingState) -> None:
            state.status = status or state.status
            details = {"reason": reason} if reason is not None else {}
            _append(state, event, at=at, **details)
            state.closed = True

        await self._email(
            kind,
            to=self._request.contact.email,
            site_user_id=site_user_id,
            publish=self._after(ended),
            **extra,
        )
        before = self._state.status
        ended(self._state)
        if self._state.status is not before:
            self._publish_status()

    async def _step(
        self,
        activity: Callable[[Any, Any], Awaitable[None]],
        make_input: Callable[[OnboardingSnapshot], Any],
        change: Callable[[OnboardingState], None],
    ) -> None:
        """Run the step's one local activity; its change enters the state once it is done."""
        published = self._after(change)
        assert published is not None
        await workflow.execute_local_activity_method(
            activity,
            make_input(published),
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
            local_retry_threshold=LOCAL_RETRY_THRESHOLD,
        )
        before = self._state.status
        change(self._state)
        if self._state.status is not before:
            self._publish_status()

    def _after(self, change: Callable[[OnboardingState], None]) -> OnboardingSnapshot | None:
        """The state as it will be after the change, numbered for publishing; None for runs
        that do not publish."""
        if not self._in_steps:
            return None
        after = self._state.model_copy(deep=True)
        change(after)
        self._published_version += 1
        self._unpublished = False
        return OnboardingSnapshot(
            reference=after.reference,
            version=self._published_version,
            state=after.model_dump(mode="json"),
        )

    def _must_publish(self) -> bool:
        return self._in_steps and self._unpublished

    async def _publish_now(self) -> None:
        published = self._after(lambda state: None)
        assert published is not None
        await workflow.execute_local_activity_method(
            OnboardingStepActivities.publish_onboarding_state,
            published,
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
            local_retry_threshold=LOCAL_RETRY_THRESHOLD,
        )

    def _close_lead_input(
        self, reason: DisqualifyReason, decided_by: str, note: str
    ) -> CloseLeadInput:
        assert self._state.ids.lead_id is not None
        return CloseLeadInput(
            lead_id=self._state.ids.lead_id, reason=reason, decided_by=decided_by, note=note
        )

    def _close_opportunity_input(self, decision: OpportunityClosed) -> CloseOpportunityInput:
        assert self._state.ids.opportunity_id is not None
        return CloseOpportunityInput(
            opportunity_id=self._state.ids.opportunity_id,
            outcome=decision.outcome,
            reason=decision.reason,
            decided_by=decision.decided_by,
        )

    # -- activity calls ------------------------------------------------------------------

    async def _close_lead(self, reason: DisqualifyReason, decided_by: str, note: str) -> None:
        await self._store(
            SalesActivities.close_lead, self._close_lead_input(reason, decided_by, note)
        )

    async def _close_opportunity(self, decision: OpportunityClosed) -> None:
        await self._store(
            SalesActivities.close_opportunity, self._close_opportunity_input(decision)
        )

    async def _close_prospect(self, status: ClosedProspectStatus, reason: str | None) -> None:
        assert self._state.ids.prospect_id is not None
        await self._store(
            CommerceActivities.close_prospect,
            CloseProspectInput(
                prospect_id=self._state.ids.prospect_id,
                status=status,
                reason=reason,
            ),
        )

    async def _store(self, activity: Callable[[Any, Any], Awaitable[None]], arg: Any) -> None:
        if workflow.patched(LOCAL_STORE_WRITES):
            # A short idempotent write runs inside the workflow task: no round trips through
            # the server to schedule, start and complete it.
            await workflow.execute_local_activity_method(
                activity,
                arg,
                start_to_close_timeout=STORE_TIMEOUT,
                schedule_to_close_timeout=GIVE_UP_AFTER,
                retry_policy=ACTIVITY_RETRY,
                local_retry_threshold=LOCAL_RETRY_THRESHOLD,
            )
            return
        await workflow.execute_activity_method(
            activity,
            arg,
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _email(
        self,
        kind: EmailKind,
        *,
        to: str,
        sequence: int = 0,
        site_user_id: str | None = None,
        publish: OnboardingSnapshot | None = None,
        **extra: Any,
    ) -> None:
        contact = self._request.contact
        email = SendEmailInput(
            reference=self._state.reference,
            kind=kind,
            sequence=sequence,
            locale=self._request.locale,
            to=to,
            site_user_id=site_user_id,
            context={
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "company": self._request.company.name,
                **extra,
            },
        )
        if self._in_steps:
            await self._send_email(
                OnboardingStepActivities.send_onboarding_email,
                OnboardingEmailInput(email=email, publish=publish),
            )
            return
        await self._send_email(EmailActivities.send_email, email)

    async def _send_email(self, activity: Callable[[Any, Any], Awaitable[str]], arg: Any) -> None:
        if self._in_steps or workflow.patched(ONE_TASK_PER_DECISION):
            window = self._input.policy.local_email_attempts_for
            try:
                await workflow.execute_local_activity_method(
                    activity,
                    arg,
                    start_to_close_timeout=min(EMAIL_TIMEOUT, window),
                    schedule_to_close_timeout=window,
                    retry_policy=ACTIVITY_RETRY,
                    local_retry_threshold=LOCAL_RETRY_THRESHOLD,
                )
                return
            except ActivityError as err:
                if not isinstance(err.cause, TimedOut):
                    raise
                # Still failing (SMTP down, say): go on as a regular activity, which the UI
                # lists among the pending ones with its attempts and last error.
        await workflow.execute_activity_method(
            activity,
            arg,
            start_to_close_timeout=EMAIL_TIMEOUT,
            heartbeat_timeout=EMAIL_HEARTBEAT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )

    # -- state ---------------------------------------------------------------------------

    def _set_status(self, status: OnboardingStatus) -> None:
        self._state.status = status
        self._publish_status()

    def _publish_status(self) -> None:
        if not self._input.policy.track_search_attributes:
            return
        workflow.upsert_search_attributes(
            [
                STATUS_ATTRIBUTE.value_set(self._state.status.value),
                COMPANY_ATTRIBUTE.value_set(self._state.company_name),
            ]
        )

    def _record(self, event: str, *, at: datetime, **details: Any) -> None:
        _append(self._state, event, at=at, **details)

    def _record_decision(self, event: str, decision: Decision, **details: Any) -> None:
        reason = getattr(decision, "reason", None)
        self._record(
            event,
            at=decision.decided_at,
            decided_by=decision.decided_by,
            reason=reason.value if reason is not None else None,
            **details,
        )

    def _ignore(self, event: str, decision: Decision, why: str) -> None:
        """A decision that does not fit the current state is kept in the history, nothing more."""
        workflow.logger.info("ignored %s: %s", event, why)
        self._record_decision(event, decision, accepted=False, note=f"ignored: {why}")
        self._unpublished = True


def _append(state: OnboardingState, event: str, *, at: datetime, **details: Any) -> None:
    state.history.append(HistoryEntry(at=at, event=event, **details))
