"""Sign-in, sign-out, forgot password and the one-time link's page, for either audience.

Partners use them at /sign-in, /activate, ...; staff at /staff/sign-in, /staff/activate, ....
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts.hashing import HasherBusy
from domain.audience import Audience
from domain.request import EMAIL
from starter.common.auth import SIGN_IN_PAGES, get_services
from starter.common.bootstrap import Services
from starter.common.clients import client_of
from starter.common.i18n import pick_locale
from starter.common.rendering import render
from starter.services.accounts import (
    LinkUnusable,
    Mismatch,
    PasswordRefused,
    Throttled,
)

# A page whose address holds a token must not hand it to another site in a Referer header,
# nor leave it in a shared cache.
PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
MAX_FIELD = 2000
_EMAIL = re.compile(EMAIL)


def _email_error(email: str) -> str | None:
    """The message key for a typed email that cannot be anyone's address, if it is one."""
    if not email:
        return "error.missing"
    # An email with control characters or no domain is nobody's; saying so reveals nothing.
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        return "error.invalid"
    return None


def _field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _safe_next(url: str, default: str) -> str:
    # Only same-site paths: a sign-in link must not send the browser elsewhere.
    ok = url.startswith("/") and not url.startswith(("//", "/\\")) and url.isprintable()
    return url if ok else default


def _busy() -> HTTPException:
    return HTTPException(
        status_code=503,
        detail="too many sign-ins at once; try again in a moment",
        headers={"Retry-After": "2"},
    )


def account_router(audience: Audience, home: str) -> APIRouter:
    """The account pages of one audience; `home` is where a sign-in leads by default."""
    prefix = "/staff" if audience == "staff" else ""
    sign_in_path = SIGN_IN_PAGES[audience]
    router = APIRouter(include_in_schema=False)

    def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        context = {"forgot": False, "wait_seconds": None, **context}
        response = render(
            request, f"account/{template}", status, prefix=prefix, audience=audience, **context
        )
        response.headers.update(PRIVATE)
        return response

    @router.get(f"{prefix}/sign-in", response_class=HTMLResponse)
    async def sign_in_form(request: Request, next: str = "", done: str = "") -> Response:
        return page(
            request,
            "sign_in.html",
            next_url=_safe_next(next, home),
            email="",
            errors={},
            notice_key=done if done in ("password_set", "signed_out") else None,
        )

    @router.post(f"{prefix}/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request) -> Response:
        services: Services = await get_services(request)
        form = await request.form()
        email, password = _field(form, "email").strip(), _field(form, "password")
        next_url = _safe_next(_field(form, "next"), home)
        again = dict(next_url=next_url, email=email[:320], notice_key=None)
        # Switching language from the refused form keeps where the sign-in leads.
        page_url = f"{sign_in_path}?{urlencode({'next': next_url})}"
        errors = {"email": _email_error(email), "password": None if password else "error.missing"}
        errors = {name: key for name, key in errors.items() if key}
        if errors:
            return page(request, "sign_in.html", 422, page_url=page_url, errors=errors, **again)
        device = services.devices.brought(request, audience)
        try:
            outcome = await services.accounts.sign_in(
                audience, email, password, client_of(request), device
            )
        except HasherBusy:
            raise _busy() from None
        if isinstance(outcome, Throttled):
            response = page(
                request,
                "sign_in.html",
                429,
                page_url=page_url,
                errors={},
                wait_seconds=outcome.seconds,
                **again,
            )
            response.headers["Retry-After"] = str(outcome.seconds)
            return response
        response = RedirectResponse(next_url, status_code=303)
        # A session the browser brought along ends: the new one is never one an attacker set.
        if outcome is not None:
            await services.sessions.end(request, response, audience)
        if outcome is None or not await services.sessions.start(response, outcome):
            errors = {"password": "account.wrong_password"}
            return page(request, "sign_in.html", 401, page_url=page_url, errors=errors, **again)
        services.devices.remember(response, outcome, device)
        return response

    @router.post(f"{prefix}/sign-out")
    async def sign_out(request: Request) -> Response:
        services: Services = await get_services(request)
        signed_in = await services.sessions.current(request, audience)
        if signed_in is not None:
            await services.sessions.check_csrf(request, signed_in)
        response = RedirectResponse(f"{sign_in_path}?done=signed_out", status_code=303)
        await services.sessions.end(request, response, audience)
        return response

    async def link_page(request: Request, token: str) -> Response:
        services: Services = await get_services(request)
        try:
            holder = await services.accounts.link_holder(token)
        except LinkUnusable:
            return page(request, "link_unusable.html", 410, email="", errors={})
        return page(
            request,
            "set_password.html",
            holder=holder,
            token=token,
            errors={},
            action=request.url.path,
        )

    async def set_password(request: Request) -> Response:
        services: Services = await get_services(request)
        form = await request.form()
        token = _field(form, "token")
        new, repeat = _field(form, "new_password"), _field(form, "repeat_password")
        errors: dict[str, str] = {}
        if not new:
            errors["new_password"] = "error.missing"
        if not repeat:
            errors["repeat_password"] = "error.missing"
        try:
            holder = await services.accounts.link_holder(token)
            if not errors:
                try:
                    await services.accounts.set_password(
                        holder, token, new, repeat, pick_locale(request)
                    )
                except HasherBusy:
                    raise _busy() from None
                return RedirectResponse(f"{sign_in_path}?done=password_set", status_code=303)
        except LinkUnusable:
            return page(request, "link_unusable.html", 410, email="", errors={})
        except PasswordRefused as refused:
            errors["new_password"] = f"password.{refused.problem.value}"
        except Mismatch:
            errors["repeat_password"] = "password.mismatch"
        return page(
            request,
            "set_password.html",
            422,
            holder=holder,
            token=token,
            errors=errors,
            action=request.url.path,
        )

    for path in ("activate", "reset-password"):
        router.add_api_route(
            f"{prefix}/{path}", link_page, methods=["GET"], response_class=HTMLResponse
        )
        router.add_api_route(
            f"{prefix}/{path}", set_password, methods=["POST"], response_class=HTMLResponse
        )

    @router.get(f"{prefix}/forgot-password", response_class=HTMLResponse)
    async def forgot_form(request: Request) -> Response:
        return page(request, "link_unusable.html", forgot=True, email="", errors={})

    @router.post(f"{prefix}/forgot-password", response_class=HTMLResponse)
    async def forgot(request: Request) -> Response:
        services: Services = await get_services(request)
        services.link_limit.check(request)
        email = _field(await request.form(), "email").strip()
        error = _email_error(email)
        if error is not None:
            return page(
                request, "link_unusable.html", 422, forgot=True, email="", errors={"email": error}
            )
        await services.accounts.request_link(audience, email, pick_locale(request))
        return page(request, "link_sent.html", email=email[:320])

    return router
