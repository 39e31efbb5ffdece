"""Session cookies of both audiences, and the anti-CSRF token of every form they authenticate.

The cookie holds a random session id; the store keeps only its hash. The anti-CSRF token is
an HMAC of the session id: a page of ours can print it, another site cannot compute it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request
from starlette.responses import Response

from accounts.tokens import new_token, token_hash
from commerce.accounts import Account
from commerce.sessions import FactorStep
from commerce.store import CommerceStore
from domain.audience import Audience

CSRF_FIELD = "csrf_token"
_COOKIE_NAMES: dict[Audience, str] = {"site": "onboarding_session", "staff": "onboarding_staff"}


@dataclass(frozen=True)
class SignedIn:
    account: Account
    session_id: str
    # "passed", or "none" for a partner user without a factor: the session is complete.
    second_factor: FactorStep

    @property
    def complete(self) -> bool:
        """Whether the session opens the audience's pages, not only the second factor's."""
        return self.second_factor in ("passed", "none")


class SessionManager:
    def __init__(
        self,
        store: CommerceStore,
        secret: str,
        *,
        secure: bool,
        idle: timedelta,
        lifetime: timedelta,
    ) -> None:
        self._store = store
        self._key = hashlib.sha256(f"csrf:{secret}".encode()).digest()
        self._secure = secure
        self._idle = idle
        self._lifetime = lifetime

    def cookie_name(self, audience: Audience) -> str:
        # __Host- makes browsers refuse the cookie unless it is Secure, host-only and path /:
        # a sibling subdomain cannot plant one.
        name = _COOKIE_NAMES[audience]
        return f"__Host-{name}" if self._secure else name

    async def start(self, response: Response, account: Account) -> bool:
        """A new session for the account (never one the browser brought along); False when
        the account's password changed since it was verified."""
        session_id = new_token()
        if not await self._store.sessions.start(account, token_hash(session_id), self._lifetime):
            return False
        response.set_cookie(
            self.cookie_name(account.audience),
            session_id,
            max_age=int(self._lifetime.total_seconds()),
            path="/",
            secure=self._secure,
            httponly=True,
            samesite="lax",
        )
        return True

    def renewed(self, request: Request, signed_in: SignedIn, session_id: str) -> None:
        """The session goes on under `session_id`: the pages this request renders get the new
        id's anti-CSRF token. The response then needs `set_cookie`."""
        renewed = SignedIn(signed_in.account, session_id, "passed")
        setattr(request.state, f"signed_in_{signed_in.account.audience}", renewed)
        request.state.csrf_token = self.csrf_token(renewed)

    def set_cookie(
        self, response: Response, audience: Audience, session_id: str, expires_at: datetime
    ) -> None:
        """The session cookie, kept until the session's absolute expiry."""
        left = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
        response.set_cookie(
            self.cookie_name(audience),
            session_id,
            max_age=left,
            path="/",
            secure=self._secure,
            httponly=True,
            samesite="lax",
        )

    async def current(self, request: Request, audience: Audience) -> SignedIn | None:
        """The signed-in account of the request's session cookie, looked up once per request."""
        cache_key = f"signed_in_{audience}"
        if hasattr(request.state, cache_key):
            cached: SignedIn | None = getattr(request.state, cache_key)
            return cached
        signed_in = None
        session_id = request.cookies.get(self.cookie_name(audience))
        if session_id and len(session_id) <= 100:
            live = await self._store.sessions.account(audience, token_hash(session_id), self._idle)
            if live is not None:
                signed_in = SignedIn(live.account, session_id, live.second_factor)
        setattr(request.state, cache_key, signed_in)
        return signed_in

    async def end(self, request: Request, response: Response, audience: Audience) -> None:
        session_id = request.cookies.get(self.cookie_name(audience))
        if session_id and len(session_id) <= 100:
            await self._store.sessions.end(token_hash(session_id))
        response.delete_cookie(
            self.cookie_name(audience), path="/", secure=self._secure, httponly=True
        )

    def csrf_token(self, signed_in: SignedIn) -> str:
        message = f"{signed_in.account.audience}:{signed_in.session_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    async def check_csrf(self, request: Request, signed_in: SignedIn) -> None:
        """403 unless the posted form carries this session's anti-CSRF token."""
        form = await request.form()
        sent = form.get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode(), self.csrf_token(signed_in).encode()
        ):
            raise HTTPException(
                status_code=403,
                detail="this form has expired or came from another site; reload the page",
            )
