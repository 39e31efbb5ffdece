"""The headers every answer of the web app carries (ASVS V3.4), set in one place.

- `X-Content-Type-Options: nosniff` on every answer: a browser takes each as the type it says.
- `Cache-Control: no-store` on every answer but the public landing page and the empty
  request form asked without a cookie: those are the same for everyone and show nothing
  personal, while any other page may be signed in or show someone's data (a form sent back
  with its errors shows what was typed), and a cookie may make even those two this visitor's
  (a session shows who is signed in, the language cookie picks the language). The app
  serves no static files of its own: its styles are in its pages.
- `Strict-Transport-Security` outside dev: once a browser has reached the shop over HTTPS,
  it never tries plain HTTP again (deploy/Caddyfile sends the same in front of the Temporal UI).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_TRANSPORT = "max-age=63072000; includeSubDomains"
# Pages anyone may keep a copy of: the same for every visitor, nothing personal on them.
PUBLIC_PAGES = frozenset({"/", "/partner/apply"})
READS = frozenset({"GET", "HEAD"})


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, strict_transport: bool) -> None:
        self._app = app
        self._strict_transport = strict_transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        public = (
            scope["method"] in READS
            and scope["path"] in PUBLIC_PAGES
            and not any(name == b"cookie" for name, _ in scope["headers"])
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                # A public page that sets a cookie (the language chosen) is this visitor's.
                if not public or "set-cookie" in headers:
                    headers["Cache-Control"] = "no-store"
                if self._strict_transport:
                    headers["Strict-Transport-Security"] = STRICT_TRANSPORT
            await send(message)

        await self._app(scope, receive, send_with_headers)
