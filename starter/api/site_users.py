"""The site users of an organization, as staff see them: listed, blocked and unblocked."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from starter.api.common import NOT_FOUND, STAFF, not_found
from starter.api.schemas import SiteUser
from starter.common.auth import ServicesDep, StaffDep
from starter.services import Services

router = APIRouter()


@router.get(
    "/commerce/customer-hierarchies/{hierarchy_id}/site-users",
    response_model=list[SiteUser],
    responses=NOT_FOUND | STAFF,
)
async def list_site_users(hierarchy_id: str, services: ServicesDep, _: StaffDep) -> list[SiteUser]:
    """Every site user of the organization, whatever their status, blocked ones included."""
    # An organization without users and one that does not exist must answer differently.
    if await services.commerce.customers.hierarchy(hierarchy_id) is None:
        raise not_found("customer hierarchy")
    rows = await services.commerce.partner_users.users(hierarchy_id)
    return [SiteUser.model_validate(r) for r in rows]


async def _set_blocked(
    services: Services, site_user_id: str, blocked: bool, actor: str
) -> SiteUser:
    # A fresh key per call: each staff action is its own audit entry, while a call that
    # changes nothing (already blocked) writes none.
    action = "block" if blocked else "unblock"
    change_key = f"staff-{action}:{site_user_id}:{uuid.uuid4()}"
    changed = await services.commerce.memberships.set_blocked(
        site_user_id, blocked, actor, change_key
    )
    # Read after the change: the user may have been erased in between.
    row = await services.commerce.partner_users.by_id(site_user_id) if changed else None
    if row is None:
        raise not_found("site user")
    return SiteUser.model_validate(row)


@router.post(
    "/commerce/site-users/{site_user_id}/block",
    response_model=SiteUser,
    responses=NOT_FOUND | STAFF,
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
