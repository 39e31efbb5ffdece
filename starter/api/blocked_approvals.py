"""An approval the requester's email blocks (status `approval_blocked`): staff retry it once
the address is free, or reject the onboarding."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from starter.api.common import CONFLICT, NOT_FOUND, STAFF, decision_answer
from starter.api.schemas import Body, DecisionAccepted
from starter.common.auth import ServicesDep, StaffDep

router = APIRouter()


class BlockedApprovalBody(Body):
    # retry: approve again, the address being free now; reject: end the onboarding rejected.
    action: Literal["retry", "reject"]


@router.post(
    "/onboarding-requests/{reference}/blocked-approval",
    status_code=202,
    response_model=DecisionAccepted,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def resolve_blocked_approval(
    reference: str, body: BlockedApprovalBody, services: ServicesDep, user: StaffDep
) -> DecisionAccepted | JSONResponse:
    """Resolve an approval that waits because the contact's email belongs to a site user:
    `retry` once the address is free (a retry that finds it held still waits), or `reject`.
    409 unless the onboarding's status is `approval_blocked`."""
    return await decision_answer(services.blocked_approvals.resolve(reference, body.action, user))
