"""Orders over a user's spending limit, as the organization's admin approves or declines
them, and the organization's credit ledger."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from starter.common.auth import ServicesDep
from starter.common.rendering import render
from starter.services.approvals import NotADecider
from starter.services.credit import WrongState
from starter.services.errors import NotFound
from starter.site.users import AdminDep

router = APIRouter(include_in_schema=False)


@router.post("/organization/purchases/{order_reference}/{decision}")
async def decide(
    order_reference: str, decision: str, services: ServicesDep, admin: AdminDep
) -> Response:
    try:
        await services.credit.decide(admin, order_reference, decision)
    except NotFound:
        raise HTTPException(status_code=404) from None
    except NotADecider:  # the admin's own order, while the organization has other admins
        raise HTTPException(status_code=403) from None
    except WrongState:
        return RedirectResponse("/organization?problem=purchases.decided", status_code=303)
    return RedirectResponse(f"/organization?done={decision}d", status_code=303)


@router.get("/organization/credit", response_class=HTMLResponse)
async def ledger(request: Request, services: ServicesDep, admin: AdminDep) -> Response:
    credit = await services.credit.ledger(admin)
    return render(request, "site/credit.html", summary=credit.summary, entries=credit.entries)
