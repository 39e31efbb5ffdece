"""Commerce resources: "All prospects", a prospect, a customer hierarchy."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from commerce.prospects import PROSPECT_STATUSES
from starter.api.common import NOT_FOUND, STAFF, Limit, Offset, found
from starter.api.schemas import CustomerHierarchy, Prospect, ProspectSummary
from starter.common.auth import ServicesDep, StaffDep

router = APIRouter()


@router.get("/commerce/prospects", response_model=list[ProspectSummary], responses=STAFF)
async def list_prospects(
    services: ServicesDep,
    _: StaffDep,
    status: Literal["pending", "approval_blocked", "approved", "rejected", "expired"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ProspectSummary]:
    """ "All prospects", optionally filtered by status."""
    assert status is None or status in PROSPECT_STATUSES
    rows = await services.back_office.prospects(status, limit, offset)
    return [ProspectSummary.model_validate(r) for r in rows]


@router.get(
    "/commerce/prospects/{prospect_id}", response_model=Prospect, responses=NOT_FOUND | STAFF
)
async def get_prospect(prospect_id: str, services: ServicesDep, _: StaffDep) -> Prospect:
    with found():
        row = await services.back_office.prospect(prospect_id)
    return Prospect.model_validate(row)


@router.get(
    "/commerce/customer-hierarchies/{hierarchy_id}",
    response_model=CustomerHierarchy,
    responses=NOT_FOUND | STAFF,
)
async def get_hierarchy(hierarchy_id: str, services: ServicesDep, _: StaffDep) -> CustomerHierarchy:
    with found():
        row = await services.back_office.hierarchy(hierarchy_id)
    return CustomerHierarchy.model_validate(row)
