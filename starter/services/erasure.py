"""Erase an onboarding: stop its run and delete what it wrote in both stores.

For a requester's erasure request, and for checks that must leave nothing behind.
"""

from __future__ import annotations

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from starter.services import ERASED_REASON, Services


async def _terminate(services: Services, workflow_id: str) -> None:
    try:
        await services.client.get_workflow_handle(workflow_id).terminate(reason=ERASED_REASON)
    except RPCError as err:
        # Finished or never started: nothing runs to stop.
        if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise


async def erase_onboarding(services: Services, reference: str) -> bool:
    """Terminate the run if it is open and delete its rows; False if nothing was known."""
    # Found if its run was open or it left rows: an erased one is then unknown, a 404.
    found = False
    try:
        handle = services.handle(reference)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate(ERASED_REASON, reason=ERASED_REASON)
            found = True
    except RPCError as err:
        if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise
    # The organization's invitations still waiting hold their invitees' names: they go too.
    for invitation in await services.commerce.partner_users.invitations_of(reference):
        await _terminate(services, invitation)
    found = await services.sales.erase(reference) or found
    found = await services.commerce.erase(reference) or found
    if found:
        await services.commerce.record_erasure(reference)
    return found
