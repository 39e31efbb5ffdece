"""Staff access: a bearer token on the API, a signed session cookie on the pages."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from starter.services import Services, Signer

SESSION_COOKIE = "onboarding_staff"
USER_COOKIE = "onboarding_staff_user"
DEFAULT_STAFF_USER = "staff"

bearer = HTTPBearer(auto_error=False, description="ONBOARDING_STAFF_TOKEN")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def session_value(services: Services) -> str:
    return Signer(services.staff_token, "staff-session").sign("staff")


def is_staff(request: Request, services: Services, token: str | None) -> bool:
    # compare_digest: the time taken must not tell how much of a guess was right.
    if token is not None:
        return hmac.compare_digest(token.encode(), services.staff_token.encode())
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie is not None and hmac.compare_digest(cookie, session_value(services))


def staff_user(request: Request) -> str:
    cookie = request.cookies.get(USER_COOKIE)
    name = request.headers.get("X-Staff-User") or (unquote(cookie) if cookie else None)
    return (name or DEFAULT_STAFF_USER).strip()[:200] or DEFAULT_STAFF_USER


async def require_staff(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The signed-in staff member's name; 401 without the staff token."""
    if not is_staff(request, services, credentials.credentials if credentials else None):
        raise HTTPException(
            status_code=401,
            detail="staff token required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return staff_user(request)


StaffDep = Annotated[str, Depends(require_staff)]


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


async def require_staff_page(request: Request, services: ServicesDep) -> str:
    """Like require_staff, but a browser without a session is sent to the sign-in page."""
    if not is_staff(request, services, None):
        raise SignInRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    return staff_user(request)


StaffPageDep = Annotated[str, Depends(require_staff_page)]
