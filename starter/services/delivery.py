"""How a staff decision reaches the onboarding's run: as an update, whose answer waits a
while for the decision's work, so the caller usually sees its outcome at once."""

from __future__ import annotations

import asyncio
import uuid
from typing import TypeVar

from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from workflows.models import OnboardingState
from workflows.onboarding import OnboardingWorkflow

DecisionT = TypeVar("DecisionT")
DECISION_WAIT = 5.0
OUTCOME_GRACE = 0.5
# Times an update whose workflow task was lost is sent again (the server's WorkflowNotReady).
TASK_LOST_RETRIES = 2
DecisionUpdate = UpdateMethodMultiParam[[OnboardingWorkflow, DecisionT], OnboardingState]


async def deliver(
    handle: WorkflowHandle[OnboardingWorkflow, OnboardingState],
    update: DecisionUpdate[DecisionT],
    decision: DecisionT,
) -> OnboardingState:
    """The state once the decision's work is done, or as it is if that takes longer; raises
    WorkflowUpdateFailedError when the workflow refuses the decision."""
    update_id = str(uuid.uuid4())
    for retry in range(TASK_LOST_RETRIES + 1):
        try:
            # One call in the usual case: the server answers once the work is done (a qualify
            # completes when the opportunity exists).
            return await asyncio.wait_for(
                handle.execute_update(update, decision, id=update_id), timeout=DECISION_WAIT
            )
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            break
        except RPCError as err:
            # The workflow task that carried the update was lost (a busy worker answered
            # after its timeout): the update was not applied, and is sent again.
            if err.status is not RPCStatusCode.FAILED_PRECONDITION or retry == TASK_LOST_RETRIES:
                raise
    # Sent again with its id, the decision joins the one already sent (or arrives, if that
    # never did) and returns once the workflow has accepted or refused it.
    accepted = await handle.start_update(
        update, decision, id=update_id, wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    try:
        # A refusal arrives with that answer, so this raises at once; work still running is
        # not waited for again: the caller gets the state as it is.
        return await asyncio.wait_for(accepted.result(), timeout=OUTCOME_GRACE)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        return await handle.query(OnboardingWorkflow.state)
