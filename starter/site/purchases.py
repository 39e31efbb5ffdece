"""Orders over a user's spending limit, as the organization's admin approves or declines
them, and the organization's credit ledger."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from commerce.credit import WrongState
from starter.api.purchases import is_order_reference
from starter.common.auth import ServicesDep
from starter.common.rendering import render
from starter.site.users import AdminDep

router = APIRouter(include_in_schema=False)
DECISIONS = {"approve", "decline"}


@router.post("/organization/purchases/{order_reference}/{decision}")
async def decide(
    order_reference: str, decision: str, services: ServicesDep, admin: AdminDep
) -> Response:
    known = decision in DECISIONS and is_order_reference(order_reference)
    row = await services.credit.get(order_reference) if known else None
    # Another organization's order is nobody's here.
    if row is None or row["hierarchy_id"] != admin.hierarchy_id:
        raise HTTPException(status_code=404)
    try:
        await services.credit.step(order_reference, decision, admin.name)
    except WrongState:
        return RedirectResponse("/organization?problem=purchases.decided", status_code=303)
    return RedirectResponse(f"/organization?done={decision}d", status_code=303)


@router.get("/organization/credit", response_class=HTMLResponse)
async def ledger(request: Request, services: ServicesDep, admin: AdminDep) -> Response:
    assert admin.customer_id is not None
    summary = await services.commerce.credit_limits.summary(admin.customer_id)
    entries = await services.commerce.credit_limits.ledger(admin.customer_id)
    return render(request, "site/credit.html", summary=summary, entries=entries)
