"""A partner user's second factor: turned on from their account page with an authenticator
app, and required of everyone by their organization's admin."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from commerce.accounts import Account
from starter.common.auth import PartnerPageDep, ServicesDep
from starter.common.bootstrap import Services
from starter.common.i18n import pick_locale, translator
from starter.common.rendering import render
from starter.services.errors import NotFound
from starter.services.second_factor import Locked, Passed, Throttled
from starter.site.users import AdminDep

router = APIRouter(include_in_schema=False)
PAGE = "/account/second-factor"
MAX_CODE_FIELD = 200
# Shown once on this page after a factor is turned on; a page never shows the codes again.
PRIVATE = {"Cache-Control": "no-store"}


async def _page(
    request: Request,
    services: Services,
    user: Account,
    status: int = 200,
    errors: dict[str, str] | None = None,
    wait_seconds: int | None = None,
) -> Response:
    title = translator(pick_locale(request))("factor.qr_title")
    signed_in = await services.sessions.current(request, "site")
    assert signed_in is not None  # PartnerPageDep found it
    factor = await services.second_factor.account_factor(user, signed_in.session_id, title)
    response = render(
        request,
        "site/second_factor.html",
        status,
        factor=factor,
        errors=errors or {},
        wait_seconds=wait_seconds,
        turned_on=request.query_params.get("done") == "on",
    )
    response.headers.update(PRIVATE)
    return response


@router.get(PAGE, response_class=HTMLResponse)
async def second_factor_page(
    request: Request, services: ServicesDep, user: PartnerPageDep
) -> Response:
    return await _page(request, services, user)


@router.post(PAGE, response_class=HTMLResponse)
async def turn_on(request: Request, services: ServicesDep, user: PartnerPageDep) -> Response:
    code = str((await request.form()).get("code", ""))[:MAX_CODE_FIELD].strip()
    if not code:
        return await _page(request, services, user, 422, errors={"code": "error.missing"})
    signed_in = await services.sessions.current(request, "site")
    assert signed_in is not None  # PartnerPageDep found it
    answer = await services.second_factor.submit(user, signed_in.session_id, "none", code)
    if isinstance(answer, Throttled):
        response = await _page(request, services, user, 429, wait_seconds=answer.seconds)
        response.headers["Retry-After"] = str(answer.seconds)
        return response
    if isinstance(answer, Locked):
        return await _page(request, services, user, 429, errors={"code": "factor.locked"})
    if not isinstance(answer, Passed):
        return await _page(request, services, user, 401, errors={"code": "factor.wrong_code"})
    services.sessions.renewed(request, signed_in, answer.session_id)
    response = render(
        request,
        "account/recovery_codes.html",
        recovery_codes=answer.recovery_codes,
        next_url=f"{PAGE}?done=on",
    )
    response.headers.update(PRIVATE)
    services.sessions.set_cookie(response, "site", answer.session_id, answer.expires_at)
    return response


@router.post("/organization/second-factor")
async def require_for_everyone(
    request: Request, services: ServicesDep, admin: AdminDep
) -> Response:
    required = (await request.form()).get("second_factor_required") == "on"
    try:
        await services.organization.set_second_factor_required(admin, required)
    except NotFound:  # erased while the session lived
        raise HTTPException(status_code=404) from None
    return RedirectResponse("/organization?done=factor-saved", status_code=303)
