"""Approvals that the requester's email blocks: the opportunity is won, but a site user holds
the address (given to them after the request was submitted), so Commerce cannot make the
requester the partner's admin. The onboarding waits as `approval_blocked` until staff retry
the approval (once the address is free) or reject the onboarding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from commerce.store import CommerceStore
from starter.services.delivery import deliver
from starter.services.errors import NotFound
from starter.services.pipeline import ENDED, Decided, DecisionRefused
from starter.services.reads import OnboardingNotFound, OnboardingReads
from workflows.models import BlockedApprovalResolved
from workflows.onboarding import OnboardingWorkflow

Resolution = Literal["retry", "reject"]
RESOLUTIONS: tuple[Resolution, ...] = ("retry", "reject")


class BlockedApprovals:
    def __init__(self, client: Client, commerce: CommerceStore, reads: OnboardingReads) -> None:
        self._client = client
        self._commerce = commerce
        self._reads = reads

    async def resolve(self, reference: str, action: Resolution, decided_by: str) -> Decided:
        """Retry the approval or reject the onboarding. Raises NotFound for an onboarding
        nobody has, DecisionRefused when its approval is not blocked (or is being resolved)."""
        try:
            await self._reads.state(reference)
        except OnboardingNotFound:
            raise NotFound("onboarding") from None
        resolution = BlockedApprovalResolved(
            decided_by=decided_by, decided_at=datetime.now(UTC), action=action
        )
        handle = self._client.get_workflow_handle_for(OnboardingWorkflow.run, reference)
        try:
            state = await deliver(handle, OnboardingWorkflow.resolve_blocked_approval, resolution)
        except WorkflowUpdateFailedError as err:
            raise DecisionRefused(reference, getattr(err.cause, "message", str(err))) from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise DecisionRefused(reference, ENDED) from err
            raise
        return Decided(reference, state.status, state.ids.opportunity_id)

    async def resolve_for_prospect(
        self, prospect_id: str, action: Resolution, decided_by: str
    ) -> Decided:
        """As `resolve`, for the onboarding of a prospect (the back office's page)."""
        prospect = await self._commerce.prospects.get(prospect_id)
        if prospect is None:
            raise NotFound("prospect")
        return await self.resolve(prospect["reference"], action, decided_by)
