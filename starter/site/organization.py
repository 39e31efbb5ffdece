"""My organization: what a signed-in partner user sees of the organization and its members."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from starter.common.auth import PartnerPageDep, ServicesDep
from starter.common.rendering import render
from starter.services.errors import NotFound

router = APIRouter(include_in_schema=False)
DONE = ("invited", "make-admin", "approved", "declined", "factor-saved", "step-down")


@router.get("/organization", response_class=HTMLResponse)
async def organization(request: Request, services: ServicesDep, user: PartnerPageDep) -> Response:
    try:
        view = await services.organization.overview(user)
    except NotFound:  # erased while the session lived
        raise HTTPException(status_code=404) from None
    done, problem = request.query_params.get("done"), request.query_params.get("problem")
    return render(
        request,
        "site/organization.html",
        hierarchy=view.hierarchy,
        me=view.me,
        user=user,
        users=view.users,
        available_credit=view.available_credit,
        is_admin=view.is_admin,
        awaiting=view.awaiting,
        done_key=f"users.done.{done}" if done in DONE else None,
        problem_key=problem if problem == "purchases.decided" else None,
    )
