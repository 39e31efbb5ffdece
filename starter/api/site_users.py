"""The site users of an organization, as staff see them: listed, blocked and unblocked."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from domain.errors import LastAdmin
from starter.api.common import CONFLICT, NOT_FOUND, STAFF, found
from starter.api.schemas import SiteUser
from starter.common.auth import ServicesDep, StaffDep
from starter.common.bootstrap import Services

router = APIRouter()


@router.get(
    "/commerce/customer-hierarchies/{hierarchy_id}/site-users",
    response_model=list[SiteUser],
    responses=NOT_FOUND | STAFF,
)
async def list_site_users(hierarchy_id: str, services: ServicesDep, _: StaffDep) -> list[SiteUser]:
    """Every site user of the organization, whatever their status, blocked ones included."""
    with found():
        rows = await services.back_office.site_users(hierarchy_id)
    return [SiteUser.model_validate(r) for r in rows]


async def _set_blocked(
    services: Services, site_user_id: str, blocked: bool, actor: str
) -> SiteUser:
    with found():
        try:
            row = await services.back_office.set_blocked(site_user_id, blocked, actor)
        except LastAdmin:
            raise HTTPException(409, "the organization's last admin: make another first") from None
    return SiteUser.model_validate(row)


@router.post(
    "/commerce/site-users/{site_user_id}/block",
    response_model=SiteUser,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def block_site_user(site_user_id: str, services: ServicesDep, actor: StaffDep) -> SiteUser:
    """Block the user: treated as removed, signed out at once, unable to sign in."""
    return await _set_blocked(services, site_user_id, True, actor)


@router.post(
    "/commerce/site-users/{site_user_id}/unblock",
    response_model=SiteUser,
    responses=NOT_FOUND | STAFF,
)
async def unblock_site_user(site_user_id: str, services: ServicesDep, actor: StaffDep) -> SiteUser:
    """Unblock the user: they sign in again as their status allows."""
    return await _set_blocked(services, site_user_id, False, actor)
