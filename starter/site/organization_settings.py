"""The organization's settings page (admins only): the approval threshold."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from commerce.accounts import Account
from starter.common.auth import ServicesDep
from starter.common.rendering import render
from starter.services.errors import NotFound
from starter.services.partner_user_forms import FieldProblem
from starter.site.users import AdminDep

router = APIRouter(include_in_schema=False)
PAGE = "site/organization_settings.html"


async def _page(
    request: Request,
    services: ServicesDep,
    admin: Account,
    typed: str | None,
    errors: dict[str, str],
) -> Response:
    try:
        settings = await services.organization_rules.settings(admin)
    except NotFound:
        raise HTTPException(status_code=404) from None
    threshold = settings["threshold"]
    if typed is None:
        typed = "" if threshold is None else format(threshold.normalize(), "f")
    return render(
        request,
        PAGE,
        422 if errors else 200,
        settings=settings,
        values={"approval_threshold": typed},
        errors=errors,
        saved=request.query_params.get("done") == "saved",
    )


@router.get("/organization/settings", response_class=HTMLResponse)
async def settings_page(request: Request, services: ServicesDep, admin: AdminDep) -> Response:
    return await _page(request, services, admin, None, {})


@router.post("/organization/settings", response_class=HTMLResponse)
async def save(request: Request, services: ServicesDep, admin: AdminDep) -> Response:
    typed = (await request.form()).get("approval_threshold", "")
    typed = typed.strip()[:100] if isinstance(typed, str) else ""
    try:
        await services.organization_rules.set_threshold(admin, typed)
    except FieldProblem as problem:
        return await _page(request, services, admin, typed, {problem.field: problem.message_key})
    except NotFound:
        raise HTTPException(status_code=404) from None
    return RedirectResponse("/organization/settings?done=saved", status_code=303)
