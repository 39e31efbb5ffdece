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
    users = await services.commerce.partner_users.users(user.hierarchy_id)
    me = next((u for u in users if u["site_user_id"] == user.id), None)
    # No order reserves credit yet, so all of the limit is available.
    available = hierarchy["credit_limit_amount"]
    done = request.query_params.get("done")
    return render(
        request, "site/organization.html", hierarchy=hierarchy, me=me, user=user, users=users,
        available_credit=available, is_admin=me is not None and me["role"] == "admin",
        done_key=f"users.done.{done}" if done in ("invited", "make-admin") else None,
    )  # fmt: skip
