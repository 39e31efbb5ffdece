"""My organization: what a signed-in partner user sees of the organization and its members."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from starter.common.auth import PartnerPageDep, ServicesDep
from starter.common.rendering import render

router = APIRouter(include_in_schema=False)
DONE = ("invited", "make-admin", "approved", "declined")


@router.get("/organization", response_class=HTMLResponse)
async def organization(request: Request, services: ServicesDep, user: PartnerPageDep) -> Response:
    assert user.hierarchy_id is not None
    hierarchy = await services.commerce.customers.hierarchy(user.hierarchy_id)
    if hierarchy is None:  # erased while the session lived
        raise HTTPException(status_code=404)
    users = await services.commerce.partner_users.users(user.hierarchy_id)
    me = next((u for u in users if u["site_user_id"] == user.id), None)
    assert user.customer_id is not None
    credit = await services.commerce.credit_limits.summary(user.customer_id)
    is_admin = me is not None and me["role"] == "admin"
    awaiting = await services.commerce.credit_limits.awaiting(user.hierarchy_id) if is_admin else []
    done, problem = request.query_params.get("done"), request.query_params.get("problem")
    return render(
        request, "site/organization.html", hierarchy=hierarchy, me=me, user=user, users=users,
        available_credit=credit["available"] if credit else None, is_admin=is_admin,
        awaiting=awaiting, done_key=f"users.done.{done}" if done in DONE else None,
        problem_key=problem if problem == "purchases.decided" else None,
    )  # fmt: skip
