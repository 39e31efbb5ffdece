"""The onboarding's state as others read it: the query's answer, the search attributes the UI
lists runs by, and the numbered snapshots the steps publish to Commerce for staff reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.onboarding_models import OnboardingSnapshot
    from workflows.models import (
        Decision,
        HistoryEntry,
        OnboardingIds,
        OnboardingInput,
        OnboardingState,
        OnboardingStatus,
    )

STATUS_ATTRIBUTE = SearchAttributeKey.for_keyword("OnboardingStatus")
COMPANY_ATTRIBUTE = SearchAttributeKey.for_keyword("CompanyName")

StateChange = Callable[[OnboardingState], None]


class PublishedState:
    """Workflow code: each change of the state goes through here, so what the run publishes
    never lags behind what its query answers for long."""

    def __init__(self, data: OnboardingInput) -> None:
        self.state = OnboardingState(
            reference=data.reference,
            status=OnboardingStatus.PENDING,
            company_name=data.request.company.name,
            ids=OnboardingIds(),
            history=[HistoryEntry(at=workflow.now(), event="requested")],
        )
        self._track_search_attributes = data.policy.track_search_attributes
        self._version = 0
        # A change made outside any step (an ignored decision) waits for its own snapshot.
        self.unpublished = False

    def after(self, change: StateChange) -> OnboardingSnapshot:
        """The state as it will be after the change, numbered for publishing."""
        after = self.state.model_copy(deep=True)
        change(after)
        self._version += 1
        self.unpublished = False
        return OnboardingSnapshot(
            reference=after.reference, version=self._version, state=after.model_dump(mode="json")
        )

    def apply(self, change: StateChange) -> None:
        """Make the change the last snapshot announced; a new status goes to the UI too."""
        before = self.state.status
        change(self.state)
        if self.state.status is not before:
            self.publish_status()

    def set_status(self, status: OnboardingStatus) -> None:
        self.state.status = status
        self.publish_status()

    def publish_status(self) -> None:
        if not self._track_search_attributes:
            return
        workflow.upsert_search_attributes(
            [
                STATUS_ATTRIBUTE.value_set(self.state.status.value),
                COMPANY_ATTRIBUTE.value_set(self.state.company_name),
            ]
        )

    def record_decision(self, event: str, decision: Decision, **details: Any) -> None:
        reason = getattr(decision, "reason", None)
        self.state.record(
            event,
            at=decision.decided_at,
            decided_by=decision.decided_by,
            reason=reason.value if reason is not None else None,
            **details,
        )

    def record_ignored(self, event: str, decision: Decision, why: str) -> None:
        """A decision that does not fit the current state is kept in the history, nothing more."""
        workflow.logger.info("ignored %s: %s", event, why)
        self.record_decision(event, decision, accepted=False, note=f"ignored: {why}")
        self.unpublished = True
