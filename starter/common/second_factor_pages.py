"""The second factor's step after the password, for either audience: enrol an authenticator
app (QR code and setup key), or enter a code from it (or a recovery code).

Staff pass it at every sign-in; partner users when they turned it on, or their organization
requires it. Until then their session opens only this page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.audience import Audience
from starter.common.account_pages import PRIVATE, _safe_next
from starter.common.auth import SECOND_FACTOR_PAGES, SIGN_IN_PAGES, get_services
from starter.common.bootstrap import Services
from starter.common.i18n import pick_locale, translator
from starter.common.rendering import render
from starter.common.sessions import SignedIn
from starter.services.second_factor import Locked, Passed, Throttled

MAX_CODE_FIELD = 200


def second_factor_router(audience: Audience, home: str) -> APIRouter:
    """The factor step of one audience; `home` is where it leads by default."""
    path = SECOND_FACTOR_PAGES[audience]
    router = APIRouter(include_in_schema=False)

    def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        context = {"errors": {}, "wait_seconds": None, "enrolment": None, **context}
        response = render(request, f"account/{template}", status, audience=audience, **context)
        response.headers.update(PRIVATE)
        return response

    async def started(request: Request, next_url: str) -> tuple[Services, SignedIn] | Response:
        """The session still to pass the factor; otherwise where the browser goes instead."""
        services: Services = await get_services(request)
        signed_in = await services.sessions.current(request, audience)
        if signed_in is None:
            query = urlencode({"next": next_url})
            return RedirectResponse(f"{SIGN_IN_PAGES[audience]}?{query}", status_code=303)
        if signed_in.complete:
            return RedirectResponse(next_url, status_code=303)
        request.state.csrf_token = services.sessions.csrf_token(signed_in)
        return services, signed_in

    async def step_page(
        request: Request,
        services: Services,
        signed_in: SignedIn,
        next_url: str,
        status: int = 200,
        **context: Any,
    ) -> Response:
        enrolment = None
        if signed_in.second_factor == "enrol":
            title = translator(pick_locale(request))("factor.qr_title")
            enrolment = await services.second_factor.enrolment(
                signed_in.account, signed_in.session_id, title
            )
        return page(
            request,
            "second_factor.html",
            status,
            enrolment=enrolment,
            next_url=next_url,
            action=path,
            page_url=f"{path}?{urlencode({'next': next_url})}",
            **context,
        )

    @router.get(path, response_class=HTMLResponse)
    async def factor_form(request: Request, next: str = "") -> Response:
        next_url = _safe_next(next, home)
        found = await started(request, next_url)
        if isinstance(found, Response):
            return found
        return await step_page(request, *found, next_url)

    @router.post(path, response_class=HTMLResponse)
    async def factor(request: Request) -> Response:
        form = await request.form()
        next_url = _safe_next(str(form.get("next", "")), home)
        found = await started(request, next_url)
        if isinstance(found, Response):
            return found
        services, signed_in = found
        await services.sessions.check_csrf(request, signed_in)
        code = str(form.get("code", ""))[:MAX_CODE_FIELD].strip()
        if not code:
            errors = {"code": "error.missing"}
            return await step_page(request, *found, next_url, 422, errors=errors)
        answer = await services.second_factor.submit(
            signed_in.account, signed_in.session_id, signed_in.second_factor, code
        )
        if isinstance(answer, Throttled):
            response = await step_page(request, *found, next_url, 429, wait_seconds=answer.seconds)
            response.headers["Retry-After"] = str(answer.seconds)
            return response
        if isinstance(answer, Locked):
            errors = {"code": "factor.locked"}
            return await step_page(request, *found, next_url, 429, errors=errors)
        if not isinstance(answer, Passed):
            errors = {"code": "factor.wrong_code"}
            return await step_page(request, *found, next_url, 401, errors=errors)
        # A new session id from here on (ASVS V7.2.4): one seen before the code opens nothing.
        services.sessions.renewed(request, signed_in, answer.session_id)
        passed: Response = RedirectResponse(next_url, status_code=303)
        if answer.recovery_codes:
            # Shown once, on the answer to the post itself: no address shows them again.
            codes = answer.recovery_codes
            passed = page(request, "recovery_codes.html", recovery_codes=codes, next_url=next_url)
        services.sessions.set_cookie(passed, audience, answer.session_id, answer.expires_at)
        return passed

    return router
