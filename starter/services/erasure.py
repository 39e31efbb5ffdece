"""Erase an onboarding: stop its run and delete what it wrote in both stores.

For a requester's erasure request, and for checks that must leave nothing behind.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from commerce.store import CommerceStore
from sales.port import SalesBackend
from starter.services.reads import ERASED_REASON


class Erasure:
    def __init__(self, client: Client, commerce: CommerceStore, sales: SalesBackend) -> None:
        self._client = client
        self._commerce = commerce
        self._sales = sales

    async def erase(self, reference: str) -> bool:
        """Terminate the run if it is open and delete its rows; False if nothing was known."""
        # Found if its run was open or it left rows: an erased one is then unknown, a 404.
        found = False
        try:
            handle = self._client.get_workflow_handle(reference)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate(ERASED_REASON, reason=ERASED_REASON)
                found = True
        except RPCError as err:
            if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                raise
        # The organization's invitations still waiting hold their invitees' names: they go too.
        for invitation in await self._commerce.partner_users.invitations_of(reference):
            await self._terminate(invitation)
        found = await self._sales.erase(reference) or found
        found = await self._commerce.erase(reference) or found
        if found:
            await self._commerce.record_erasure(reference)
        return found

    async def _terminate(self, workflow_id: str) -> None:
        try:
            await self._client.get_workflow_handle(workflow_id).terminate(reason=ERASED_REASON)
        except RPCError as err:
            # Finished or never started: nothing runs to stop.
            if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise
