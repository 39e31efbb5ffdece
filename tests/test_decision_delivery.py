"""A staff decision whose workflow task is lost on a busy worker is sent again, not refused."""

from __future__ import annotations

from typing import Any, cast

import pytest
from temporalio.service import RPCError, RPCStatusCode

from starter.services.delivery import TASK_LOST_RETRIES, deliver
from workflows.models import LeadDisqualified
from workflows.onboarding import OnboardingWorkflow

STATE = object()
DECISION = cast(LeadDisqualified, object())


class LosingRun:
    """A run whose first `lost` updates meet a lost workflow task, as the server reports it."""

    def __init__(self, lost: int) -> None:
        self.lost = lost
        self.update_ids: list[str] = []

    async def execute_update(self, update: Any, decision: Any, *, id: str) -> object:
        self.update_ids.append(id)
        if len(self.update_ids) <= self.lost:
            raise RPCError(
                "Unable to perform workflow execution update due to unexpected workflow task "
                "failure.",
                RPCStatusCode.FAILED_PRECONDITION,
                b"",
            )
        return STATE


async def test_a_lost_workflow_task_sends_the_same_update_again() -> None:
    """Lost once, the decision goes again under its id and its outcome is returned."""
    run = LosingRun(lost=1)
    state = await deliver(cast(Any, run), OnboardingWorkflow.decide_disqualify_lead, DECISION)
    assert state is STATE
    assert len(run.update_ids) == 2
    assert len(set(run.update_ids)) == 1


async def test_a_task_lost_every_time_is_reported_after_the_retries() -> None:
    """Lost on every try, the error reaches the caller (a 503 with Retry-After)."""
    run = LosingRun(lost=TASK_LOST_RETRIES + 1)
    with pytest.raises(RPCError):
        await deliver(cast(Any, run), OnboardingWorkflow.decide_disqualify_lead, DECISION)
    assert len(run.update_ids) == TASK_LOST_RETRIES + 1
