"""Guards in front of every route: form posts only from our own pages, cross-origin reads
only for the codec."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Programs post JSON to these with a bearer token or a shared secret, not a cookie.
NOT_FORMS = ("/api/", "/codec/")


class SameOriginForms:
    """Refuse a form post that a browser says came from another site.

    The anti-CSRF token guards every form a session authenticates; this also covers the
    forms that come before a session (sign-in, where a forged post would sign the victim in
    as the attacker, and sign-out), whose cookies a cross-site post would not even carry.
    """

    def __init__(self, app: ASGIApp, own_hosts: set[str]) -> None:
        self._app = app
        self._own_hosts = own_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE
            and not scope["path"].startswith(NOT_FORMS)
            and self._cross_site(scope)
        ):
            refused = PlainTextResponse("this form was sent from another site", status_code=403)
            await refused(scope, receive, send)
            return
        await self._app(scope, receive, send)

    def _cross_site(self, scope: Scope) -> bool:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("sec-fetch-site") == "cross-site":
            return True
        origin = headers.get("origin")
        if origin is None or origin == "null":
            return False
        return urlsplit(origin).netloc not in self._own_hosts | {headers.get("host", "")}


class CodecCORS:
    """CORS with credentials for the codec alone (the Temporal UI calls it with the staff
    session); everywhere else no other origin may read an answer."""

    def __init__(self, app: ASGIApp, ui_origins: list[str]) -> None:
        self._app = app
        self._cors = CORSMiddleware(
            app,
            allow_origins=ui_origins,
            allow_credentials=True,
            allow_methods=["POST"],
            allow_headers=["content-type", "x-namespace", "authorization"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/codec/"):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)
