"""The public B2B site: landing page, request form, status page, partner accounts and the
organization page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from starter.common.account_pages import account_router
from starter.common.account_settings import settings_router
from starter.common.auth import get_services
from starter.common.second_factor_pages import second_factor_router
from starter.site import (
    approvals,
    information,
    organization,
    organization_settings,
    pages,
    purchases,
    second_factor,
    users,
)


async def note_partner(request: Request) -> None:
    """Who is signed in, for the header's Sign in / Sign out on every site page."""
    if not request.cookies:
        return
    services = await get_services(request)
    signed_in = await services.sessions.current(request, "site")
    # A session still to pass the second factor is not signed in yet, as far as pages go.
    if signed_in is not None and signed_in.complete:
        request.state.partner = signed_in.account
        request.state.csrf_token = services.sessions.csrf_token(signed_in)


router = APIRouter(include_in_schema=False, dependencies=[Depends(note_partner)])
router.include_router(pages.router)
router.include_router(information.router)
router.include_router(organization.router)
router.include_router(users.router)
router.include_router(organization_settings.router)
router.include_router(purchases.router)
router.include_router(approvals.router)
router.include_router(second_factor.router)
router.include_router(account_router("site", home="/organization"))
router.include_router(settings_router("site"))
router.include_router(second_factor_router("site", home="/organization"))
