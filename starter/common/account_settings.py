"""Where signed-in users look after their own account, for either audience: change the
password with the current one, and see their sessions with "Sign out everywhere".

Partners use /account/password and /account/sessions; staff /staff/account/....
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts.hashing import HasherBusy
from domain.audience import Audience
from domain.locale import Locale
from starter.common.auth import get_services, require_partner_page, require_staff_page
from starter.common.bootstrap import Services
from starter.common.clients import client_of
from starter.common.i18n import pick_locale
from starter.common.rendering import render
from starter.common.sessions import SignedIn
from starter.services.account_settings import TooManyAttempts, WrongPassword
from starter.services.accounts import Mismatch, PasswordRefused

MAX_FIELD = 2000
PASSWORD_FIELDS = ("current_password", "new_password", "repeat_password")
HOMES: dict[Audience, str] = {"site": "/organization", "staff": "/sales/leads"}


def _field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _busy() -> HTTPException:
    return HTTPException(
        status_code=503,
        detail="too many password checks at once; try again in a moment",
        headers={"Retry-After": "2"},
    )


def settings_router(audience: Audience) -> APIRouter:
    """The account settings pages of one audience, open to its signed-in users only."""
    prefix = "/staff" if audience == "staff" else ""
    signed_in_page = require_staff_page if audience == "staff" else require_partner_page
    router = APIRouter(include_in_schema=False, dependencies=[Depends(signed_in_page)])

    async def signed_in(request: Request) -> tuple[Services, SignedIn]:
        services = await get_services(request)
        # The router's dependency has checked the session (and a post's anti-CSRF token).
        current = await services.sessions.current(request, audience)
        assert current is not None
        return services, current

    def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        context = {"wait_seconds": None, "errors": {}, "notice_key": None, **context}
        response = render(
            request,
            f"account/{template}",
            status,
            prefix=prefix,
            audience=audience,
            home=HOMES[audience],
            **context,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    def throttled(request: Request, template: str, seconds: int, **context: Any) -> Response:
        response = page(request, template, 429, wait_seconds=seconds, **context)
        response.headers["Retry-After"] = str(seconds)
        return response

    @router.get(f"{prefix}/account/password", response_class=HTMLResponse)
    async def password_form(request: Request, done: str = "") -> Response:
        _, current = await signed_in(request)
        changed = "settings.password_changed" if done == "changed" else None
        return page(request, "password.html", account=current.account, notice_key=changed)

    @router.post(f"{prefix}/account/password", response_class=HTMLResponse)
    async def change_password(request: Request) -> Response:
        services, current = await signed_in(request)
        form = await request.form()
        typed = [_field(form, name) for name in PASSWORD_FIELDS]
        missing = [name for name, value in zip(PASSWORD_FIELDS, typed, strict=True) if not value]
        errors = dict.fromkeys(missing, "error.missing")
        if errors:
            return page(request, "password.html", 422, account=current.account, errors=errors)
        locale: Locale = "ja" if pick_locale(request) == "ja" else "en"
        try:
            await services.account_settings.change_password(
                current.account,
                current.session_id,
                (typed[0], typed[1], typed[2]),
                client_of(request),
                locale,
            )
        except HasherBusy:
            raise _busy() from None
        except TooManyAttempts as wait:
            return throttled(request, "password.html", wait.seconds, account=current.account)
        except WrongPassword:
            errors["current_password"] = "settings.wrong_password"
        except PasswordRefused as refused:
            errors["new_password"] = f"password.{refused.problem.value}"
        except Mismatch:
            errors["repeat_password"] = "password.mismatch"
        if errors:
            return page(request, "password.html", 422, account=current.account, errors=errors)
        return RedirectResponse(f"{prefix}/account/password?done=changed", status_code=303)

    async def sessions_page(request: Request, status: int = 200, **context: Any) -> Response:
        services, current = await signed_in(request)
        seen = await services.account_settings.sessions(current.account, current.session_id)
        return page(
            request, "sessions.html", status, account=current.account, sessions=seen, **context
        )

    @router.get(f"{prefix}/account/sessions", response_class=HTMLResponse)
    async def sessions(request: Request) -> Response:
        return await sessions_page(request)

    @router.post(f"{prefix}/account/sessions/sign-out-everywhere", response_class=HTMLResponse)
    async def sign_out_everywhere(request: Request) -> Response:
        services, current = await signed_in(request)
        password = _field(await request.form(), "password")
        if not password:
            return await sessions_page(request, 422, errors={"password": "error.missing"})
        try:
            await services.account_settings.sign_out_everywhere(
                current.account, password, client_of(request)
            )
        except HasherBusy:
            raise _busy() from None
        except TooManyAttempts as wait:
            seen = await services.account_settings.sessions(current.account, current.session_id)
            return throttled(
                request, "sessions.html", wait.seconds, account=current.account, sessions=seen
            )
        except WrongPassword:
            return await sessions_page(request, 422, errors={"password": "settings.wrong_password"})
        response = RedirectResponse(f"{prefix}/sign-in?done=signed_out", status_code=303)
        await services.sessions.end(request, response, audience)
        return response

    return router
