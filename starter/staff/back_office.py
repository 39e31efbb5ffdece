"""The Commerce back office: "All prospects", a prospect, a customer hierarchy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from commerce.prospects import PROSPECT_STATUSES
from starter.common.auth import ServicesDep, StaffPageDep
from starter.common.rendering import render
from starter.staff.context import record_page, staff_context

router = APIRouter(include_in_schema=False)


@router.get("/commerce/prospects", response_class=HTMLResponse)
async def prospects(
    request: Request, services: ServicesDep, user: StaffPageDep, status: str = ""
) -> Response:
    chosen = status if status in PROSPECT_STATUSES else None
    rows = await services.commerce.prospects.list(chosen, 200, 0)
    return render(
        request, "staff/commerce/prospects.html", prospects=rows, status=chosen,
        statuses=PROSPECT_STATUSES, **staff_context(services, user, None),
    )  # fmt: skip


@router.get("/commerce/prospects/{prospect_id}", response_class=HTMLResponse)
async def prospect_page(
    request: Request, prospect_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    prospect = await services.commerce.prospects.get(prospect_id)
    return record_page(request, services, user, "staff/commerce/prospect.html", prospect=prospect)


@router.get("/commerce/customer-hierarchies/{hierarchy_id}", response_class=HTMLResponse)
async def hierarchy_page(
    request: Request, hierarchy_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    hierarchy = await services.commerce.customers.hierarchy(hierarchy_id)
    return record_page(
        request, services, user, "staff/commerce/hierarchy.html", hierarchy=hierarchy
    )
