"""The back office's answer to an approval that the requester's email blocks: staff retry it
once the address is free, or reject the request, from the prospect's page."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from starter.common.auth import ServicesDep, StaffPageDep
from starter.services.blocked_approvals import RESOLUTIONS
from starter.services.errors import NotFound
from starter.services.pipeline import DecisionRefused

router = APIRouter(include_in_schema=False)


@router.post("/commerce/prospects/{prospect_id}/blocked-approval")
async def resolve_blocked_approval(
    request: Request, prospect_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    action = (await request.form()).get("action")
    if action not in RESOLUTIONS:
        raise HTTPException(status_code=422, detail="action: retry or reject")
    try:
        await services.blocked_approvals.resolve_for_prospect(prospect_id, action, user)
    except NotFound:
        raise HTTPException(status_code=404) from None
    except DecisionRefused as refused:
        raise HTTPException(status_code=409, detail=str(refused)) from None
    # The prospect's page shows where the onboarding stands now.
    return RedirectResponse(f"/commerce/prospects/{prospect_id}", status_code=303)
