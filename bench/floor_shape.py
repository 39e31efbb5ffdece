"""The engine's floor for this process: the least any shape of the onboarding can cost.

Whatever the workflow does, one onboarding is one run that starts, waits (with a reminder
timer) for the lead decision, then for the opportunity's outcome, and ends. Here the
decisions arrive as signals carrying the real payloads, and nothing else happens: no store
write, no email, no query, no update, no search attribute, nobody reads the result. What this
shape costs the Temporal server and a worker, every shape pays.
"""

from __future__ import annotations

import contextlib

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.models import LeadDisqualified, LeadQualified, OnboardingInput, OpportunityClosed


@workflow.defn(name="OnboardingFloor")
class FloorShape:
    def __init__(self) -> None:
        self._lead: LeadQualified | LeadDisqualified | None = None
        self._closed: OpportunityClosed | None = None

    @workflow.run
    async def run(self, data: OnboardingInput) -> None:
        # The same wait as the real run's first: a durable timer that would send the reminder.
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._lead is not None, timeout=data.policy.reminder_after
            )
        if isinstance(self._lead, LeadQualified):
            await workflow.wait_condition(lambda: self._closed is not None)

    @workflow.signal
    def qualify_lead(self, decision: LeadQualified) -> None:
        self._lead = self._lead or decision

    @workflow.signal
    def disqualify_lead(self, decision: LeadDisqualified) -> None:
        self._lead = self._lead or decision

    @workflow.signal
    def close_opportunity(self, decision: OpportunityClosed) -> None:
        self._closed = self._closed or decision
