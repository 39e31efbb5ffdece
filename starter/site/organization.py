"""My organization: what a signed-in partner user sees of the organization and its members."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from starter.common.auth import PartnerPageDep, ServicesDep
from starter.common.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/organization", response_class=HTMLResponse)
async def organization(request: Request, services: ServicesDep, user: PartnerPageDep) -> Response:
    assert user.hierarchy_id is not None
    hierarchy = await services.commerce.customers.hierarchy(user.hierarchy_id)
    if hierarchy is None:  # erased while the session lived
        raise HTTPException(status_code=404)
    me = next((m for m in hierarchy["members"] if m["site_user_id"] == user.id), None)
    # No order reserves credit yet, so all of the limit is available.
    available = hierarchy["credit_limit_amount"]
    return render(
        request, "site/organization.html", hierarchy=hierarchy, me=me, user=user,
        available_credit=available,
    )  # fmt: skip
