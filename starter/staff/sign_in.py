"""Staff sign-in: the staff token, once, for a session cookie on the staff pages."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from starter.common.auth import SESSION_COOKIE, USER_COOKIE, ServicesDep, session_value
from starter.common.rendering import render

router = APIRouter(include_in_schema=False)


def _safe_next(url: str) -> str:
    # Only same-site paths: a sign-in link must not send the browser elsewhere.
    return url if url.startswith("/") and not url.startswith("//") else "/sales/leads"


@router.get("/staff/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/sales/leads") -> Response:
    return render(
        request, "staff/sign_in.html", next_url=_safe_next(next), failed=False,
        name=request.cookies.get(USER_COOKIE, ""),
    )  # fmt: skip


@router.post("/staff/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, services: ServicesDep) -> Response:
    form = await request.form()
    token, name, next_url = (str(form.get(k, "")) for k in ("token", "name", "next"))
    if not hmac.compare_digest(token.encode(), services.staff_token.encode()):
        # Switching language from the refused form keeps where the sign-in leads.
        page_url = f"/staff/sign-in?{urlencode({'next': _safe_next(next_url)})}"
        return render(
            request, "staff/sign_in.html", 401, page_url=page_url,
            next_url=_safe_next(next_url), failed=True, name=name[:200],
        )  # fmt: skip
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    cookie: dict[str, Any] = {"httponly": True, "samesite": "strict", "max_age": 12 * 3600}
    response.set_cookie(SESSION_COOKIE, session_value(services), **cookie)
    response.set_cookie(USER_COOKIE, quote(name.strip()[:200] or "staff"), **cookie)
    return response


@router.post("/staff/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/staff/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(USER_COOKIE)
    return response
