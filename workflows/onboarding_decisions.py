"""The onboarding's decision intake: which decisions the run takes in its current state, and
what becomes of the others. Decisions arrive as signals (fire and forget, e.g. from a CRM
webhook) or as updates (the staff API, which must tell the salesperson at once when a decision
cannot be taken); both go through the same rules here.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.onboarding_state import PublishedState

with workflow.unsafe.imports_passed_through():
    from workflows.models import (
        BlockedApprovalResolved,
        LeadDisqualified,
        LeadQualified,
        OnboardingStatus,
        OpportunityClosed,
    )


class DecisionRefused(ApplicationError):
    """The decision does not fit the onboarding's current state."""

    def __init__(self, why: str) -> None:
        super().__init__(why, type="DecisionRefused", non_retryable=True)


def refuse_if(refusal: str | None) -> None:
    """An update's validator: its exception rejects the update before it enters the history."""
    if refusal is not None:
        raise DecisionRefused(refusal)


class DecisionIntake:
    """Workflow code: the decisions taken so far. A signal that does not fit is kept in the
    history as ignored; an update that does not fit is refused by its validator."""

    def __init__(self, published: PublishedState) -> None:
        self._published = published
        self.lead: LeadQualified | LeadDisqualified | None = None
        self.opportunity: OpportunityClosed | None = None
        # Staff's word on an approval that the requester's email blocks, until it is acted on.
        self.resolution: BlockedApprovalResolved | None = None

    def lead_refusal(self) -> str | None:
        state = self._published.state
        if state.closed or state.status is OnboardingStatus.EXPIRED:
            return "the onboarding has ended"
        if self.lead is not None:
            return "the lead is already decided"
        return None

    def opportunity_refusal(self) -> str | None:
        if self._published.state.closed:
            return "the onboarding has ended"
        if not isinstance(self.lead, LeadQualified):
            return "the lead is not qualified"
        if self.opportunity is not None:
            return "the opportunity is already closed"
        return None

    def resolution_refusal(self) -> str | None:
        state = self._published.state
        if state.status is not OnboardingStatus.APPROVAL_BLOCKED or state.closed:
            return "the approval is not blocked"
        if self.resolution is not None:
            return "the approval is being resolved"
        return None

    def take_lead(self, event: str, decision: LeadQualified | LeadDisqualified) -> None:
        refusal = self.lead_refusal()
        if refusal is not None:
            self._published.record_ignored(event, decision, refusal)
        else:
            self.lead = decision
            self._published.record_decision(event, decision)

    def take_opportunity(self, decision: OpportunityClosed) -> None:
        event = f"opportunity_{decision.outcome}"
        refusal = self.opportunity_refusal()
        if refusal is not None:
            self._published.record_ignored(event, decision, refusal)
        else:
            self.opportunity = decision
            self._published.record_decision(event, decision)

    def take_resolution(self, resolution: BlockedApprovalResolved) -> None:
        """Only by update, whose validator has checked `resolution_refusal` already."""
        self.resolution = resolution
        self._published.record_decision(f"blocked_approval_{resolution.action}", resolution)

    def resolution_acted_on(self) -> None:
        """The run has acted on staff's word: the update that brought it may answer."""
        self.resolution = None
