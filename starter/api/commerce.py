"""Commerce resources: "All prospects", a prospect, a customer hierarchy and its partner
flags."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from commerce.prospects import PROSPECT_STATUSES
from starter.api.common import CONFLICT, NOT_FOUND, STAFF, Limit, Offset, found
from starter.api.hierarchy_schemas import ClearFlagBody, CustomerHierarchy, PartnerFlag
from starter.api.schemas import Prospect, ProspectSummary
from starter.common.auth import ServicesDep, StaffDep
from starter.services.back_office import FlagAlreadyCleared

router = APIRouter()
# A flag's id is a positive bigint.
FlagId = Annotated[int, Path(ge=1, le=2**63 - 1)]


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
    """The hierarchy, with its partner flags (what the monthly re-check found), newest
    first."""
    with found():
        row = await services.back_office.hierarchy_with_flags(hierarchy_id)
    return CustomerHierarchy.of(row)


@router.post(
    "/commerce/customer-hierarchies/{hierarchy_id}/flags/{flag_id}/clear",
    response_model=PartnerFlag,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def clear_flag(
    hierarchy_id: str, flag_id: FlagId, body: ClearFlagBody, services: ServicesDep, by: StaffDep
) -> PartnerFlag | JSONResponse:
    """Clear a partner flag with the reason, kept in the organization's audit log; 409 when
    it is cleared already."""
    with found():
        try:
            flag = await services.back_office.clear_partner_flag(
                hierarchy_id, flag_id, by, body.reason
            )
        except FlagAlreadyCleared as already:
            return JSONResponse(status_code=409, content={"detail": str(already)})
    return PartnerFlag.of(flag)
