"""Who is asking: a program with the staff bearer token, or a staff member or partner user
signed in with a session cookie (whose form posts must carry the anti-CSRF token)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from commerce.accounts import Account
from domain.audience import Audience
from starter.common.bootstrap import Services

API_USER_HEADER = "X-Staff-User"
DEFAULT_STAFF_USER = "staff"
SIGN_IN_PAGES: dict[Audience, str] = {"site": "/sign-in", "staff": "/staff/sign-in"}
SECOND_FACTOR_PAGES: dict[Audience, str] = {
    "site": "/sign-in/second-factor",
    "staff": "/staff/sign-in/second-factor",
}
# How a program is named where its actions are recorded: never like a person's account.
API_ACTOR_PREFIX = "api:"

bearer = HTTPBearer(auto_error=False, description="ONBOARDING_STAFF_TOKEN")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _api_user(request: Request) -> str:
    # A program acts for whoever it names; without a name, for "staff". The name is the
    # program's word only, so it is recorded as the program's, never as a staff account.
    name = (request.headers.get(API_USER_HEADER) or "").strip()[:200]
    return f"{API_ACTOR_PREFIX}{name or DEFAULT_STAFF_USER}"


async def require_staff(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """Who acts: `api:<name>` for a program, a staff account's id for a session; 401
    without the staff token.

    A signed-in staff member's session opens the API's reads and the codec (the Temporal UI
    calls it with the session), never a change: a change by cookie would need the anti-CSRF
    token, which only our forms carry. A session that has not passed the second factor opens
    neither (403).
    """
    if credentials is not None:
        # compare_digest: the time taken must not tell how much of a guess was right.
        if _matches(credentials.credentials, services.staff_token):
            return _api_user(request)
        if _matches(credentials.credentials, services.storefront_token):
            raise HTTPException(status_code=403, detail="the storefront token opens no staff API")
    elif request.method in ("GET", "HEAD") or request.url.path.startswith("/codec/"):
        signed_in = await services.sessions.current(request, "staff")
        if signed_in is not None and signed_in.complete:
            return signed_in.account.id
        if signed_in is not None:
            raise HTTPException(status_code=403, detail="the second factor is still to pass")
    raise HTTPException(
        status_code=401, detail="staff token required", headers={"WWW-Authenticate": "Bearer"}
    )


StaffDep = Annotated[str, Depends(require_staff)]


def _matches(given: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(given.encode(), token.encode())


storefront_bearer = HTTPBearer(
    auto_error=False, description="ONBOARDING_STOREFRONT_TOKEN (or the staff token)"
)


async def require_storefront(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(storefront_bearer)],
) -> str:
    """Who calls the purchase-authorization API: the storefront, or staff; 401 otherwise."""
    return storefront_caller(services, credentials.credentials if credentials else None)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, read as FastAPI's HTTPBearer reads
    it; None for no header or another scheme."""
    scheme, token = get_authorization_scheme_param(authorization)
    return token if scheme.lower() == "bearer" and token else None


def storefront_caller(services: Services, token: str | None) -> str:
    """`storefront` or `staff`, by the bearer token the call carries; 401 for any other."""
    if token is not None:
        if _matches(token, services.storefront_token):
            return "storefront"
        if _matches(token, services.staff_token):
            return "staff"
    raise HTTPException(
        status_code=401, detail="storefront token required", headers={"WWW-Authenticate": "Bearer"}
    )


StorefrontDep = Annotated[str, Depends(require_storefront)]


class SignInRequired(Exception):
    def __init__(self, audience: Audience, next_url: str, page: str | None = None) -> None:
        self.audience = audience
        self.next_url = next_url
        # The sign-in page, or the second factor's for a session still to pass it.
        self.page = page or SIGN_IN_PAGES[audience]


async def _signed_in_page(request: Request, services: Services, audience: Audience) -> Account:
    """The signed-in account; a browser without a session is sent to sign in, and a post
    without this session's anti-CSRF token is refused with 403."""
    signed_in = await services.sessions.current(request, audience)
    if signed_in is None or not signed_in.complete:
        query = f"?{request.url.query}" if request.url.query else ""
        # A session still to pass the second factor is sent to that step, then back.
        page = None if signed_in is None else SECOND_FACTOR_PAGES[audience]
        raise SignInRequired(audience, request.url.path + query, page)
    if request.method not in ("GET", "HEAD"):
        await services.sessions.check_csrf(request, signed_in)
    # Every form the page renders carries it (see rendering.render).
    request.state.csrf_token = services.sessions.csrf_token(signed_in)
    return signed_in.account


async def require_staff_page(request: Request, services: ServicesDep) -> str:
    """The signed-in staff member's name, as lead owners and timelines show it."""
    return (await _signed_in_page(request, services, "staff")).name


StaffPageDep = Annotated[str, Depends(require_staff_page)]


async def require_staff_account(request: Request, services: ServicesDep) -> Account:
    """The signed-in staff member's account: its id is what an audited change records."""
    return await _signed_in_page(request, services, "staff")


StaffAccountDep = Annotated[Account, Depends(require_staff_account)]


async def require_partner_page(request: Request, services: ServicesDep) -> Account:
    """The signed-in partner user."""
    return await _signed_in_page(request, services, "site")


PartnerPageDep = Annotated[Account, Depends(require_partner_page)]
