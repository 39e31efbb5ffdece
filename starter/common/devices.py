"""The device cookie of each audience: what a browser keeps once it has signed in to an
account, so that strangers' failed guesses at that account do not lock it out."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from accounts.devices import MAX_TOKEN, DeviceTokens
from commerce.accounts import Account
from domain.audience import Audience

_COOKIE_NAMES: dict[Audience, str] = {
    "site": "onboarding_device",
    "staff": "onboarding_device_staff",
}
# Long enough to cover the gaps between a partner's orders; a browser gone longer signs in
# as any other would.
LIFETIME = timedelta(days=180)


class DeviceCookies:
    def __init__(self, tokens: DeviceTokens, *, secure: bool) -> None:
        self._tokens = tokens
        self._secure = secure

    def cookie_name(self, audience: Audience) -> str:
        # __Host-, as for the session: a sibling subdomain cannot plant one.
        name = _COOKIE_NAMES[audience]
        return f"__Host-{name}" if self._secure else name

    def brought(self, request: Request, audience: Audience) -> str | None:
        """The device token the browser sent, unchecked: the sign-in checks it against the
        account the email names."""
        token = request.cookies.get(self.cookie_name(audience))
        return token if token and len(token) <= MAX_TOKEN else None

    def remember(self, response: Response, account: Account, brought: str | None) -> None:
        """After a sign-in: the browser keeps its token if it is this account's, otherwise
        gets a new one (one account per browser and audience: the last one signed in)."""
        audience = account.audience
        ours = brought and self._tokens.device_id(brought, audience, account.email)
        token = brought if ours and brought else self._tokens.issue(audience, account.email)
        response.set_cookie(
            self.cookie_name(audience),
            token,
            max_age=int(LIFETIME.total_seconds()),
            path="/",
            secure=self._secure,
            # Scripts never read it, and only our own pages' posts carry it.
            httponly=True,
            samesite="strict",
        )
