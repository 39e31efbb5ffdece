"""The web app: JSON API, B2B site and staff pages, over one set of services."""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import AsyncIterator, MutableMapping
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from plumbing.settings import Settings
from sales.port import SalesRefused
from starter import site
from starter.api import PREFIX as API_PREFIX
from starter.api import checkout as api_checkout
from starter.api import health
from starter.api import router as api_router
from starter.api.common import BODY_PARSE_ERROR
from starter.api.contract import allowed_methods, document
from starter.common.auth import SignInRequired
from starter.common.bootstrap import open_services
from starter.common.guards import CodecCORS, SameOriginForms
from starter.common.metrics import MeasuredRequests, WebMetrics, metrics_page
from starter.common.security_headers import SecurityHeaders
from starter.integrations import codec, sales_webhook
from starter.services.errors import UNAVAILABLE
from starter.staff.pages import router as staff_pages
from starter.staff.sales_console import SalesInDynamics, in_dynamics_page

log = logging.getLogger("starter")


# Probes, polled every few seconds: a trace each would drown the requests.
UNTRACED_PATHS = frozenset({"/healthz", "/metrics"})


def untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in UNTRACED_PATHS


# FastAPI's own spans, on the tracer provider a process sets up (none: no work at all). Its
# logs would carry exception messages and rejected input, so they stay off; metrics are
# Prometheus'; and only the exporter that leaves personal data out may be added. One span
# per request: the spans of its dependencies, endpoint and serialization, three more for each
# request, would be a fifth of an onboarding's spans and of what tracing costs, and the
# request's span already holds their work.
TELEMETRY: TelemetryConfig = {
    "operation_spans": False,
    "logs": False,
    "metrics": False,
    "auto_configure": False,
    "exclude": untraced,
}

UNREADABLE_BODY = "the body is not JSON in UTF-8"

# How long the server keeps open a connection that carries no request. Longer than any client
# in front of it keeps one to reuse (the proxy 60 s, deploy/Caddyfile; HTTP libraries a few
# seconds): otherwise a client can send a request on a connection the server is closing that
# moment, and the request fails without an answer. Uvicorn's own 5 s is httpx's too.
IDLE_CONNECTION_SECONDS = 75


class AsciiJSONResponse(JSONResponse):
    """JSON with every character outside ASCII escaped: any text a client sent can be echoed
    back, even half a character (JSON's "\\ud800"), which UTF-8 cannot carry."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_finite(content), allow_nan=False, separators=(",", ":")).encode("ascii")


def _finite(value: Any) -> Any:
    """The value with NaN and infinities as text: JSON has no number for them, yet a body may
    carry them (Python's parser takes `NaN`), and a 422 quotes them back."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class OnboardingApp(FastAPI):
    def __init__(self, *, strict_transport: bool, **options: Any) -> None:
        self.strict_transport = strict_transport
        super().__init__(**options)

    def openapi(self) -> dict[str, Any]:
        return document(self)

    def build_middleware_stack(self) -> ASGIApp:
        # Around the whole stack, Starlette's error handler included: its 500 gets them too.
        stack = super().build_middleware_stack()
        return SecurityHeaders(stack, strict_transport=self.strict_transport)


def create_app(settings: Settings, staff_token: str) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(settings, staff_token, metrics) as services:
            app.state.services = services
            yield

    app = OnboardingApp(
        strict_transport=settings.onboarding_environment != "dev",
        title="Partner onboarding",
        version="1.0.0",
        description="B2B business-partner onboarding: request, Sales decisions, Commerce views.",
        lifespan=lifespan,
        telemetry=TELEMETRY,
    )
    metrics = WebMetrics()
    app.state.metrics = metrics
    # Not behind the proxy in production: the proxy answers 404 for it (deploy/Caddyfile).
    app.add_route("/metrics", metrics_page, include_in_schema=False)
    app.include_router(api_checkout, prefix=API_PREFIX)
    app.include_router(api_router)
    app.include_router(health.router)
    app.include_router(site.router)
    app.include_router(staff_pages)
    app.include_router(codec.router)
    app.include_router(sales_webhook.router)
    # The Temporal UI calls the codec endpoint from its own origin.
    app.add_middleware(CodecCORS, ui_origins=codec.codec_origins(settings))
    app.add_middleware(SameOriginForms, own_hosts={urlsplit(settings.onboarding_store_url).netloc})
    app.add_middleware(MeasuredRequests, metrics=metrics)

    async def _unavailable(request: Request, exc: Exception) -> Response:
        # Temporal or a store is down for a moment: say so, and when to try again.
        log.warning("%s %s: dependency unavailable: %r", request.method, request.url.path, exc)
        return JSONResponse(
            status_code=503,
            content={"detail": "temporarily unavailable; try again shortly"},
            headers={"Retry-After": "2"},
        )

    for unavailable in UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)

    @app.exception_handler(SalesRefused)
    async def _crm_refused(request: Request, exc: SalesRefused) -> Response:
        # Dynamics 365 refused our own call: our settings or its security role need a fix.
        log.error("%s %s: the Sales CRM refused: %s", request.method, request.url.path, exc)
        return JSONResponse(status_code=502, content={"detail": f"the Sales CRM refused: {exc}"})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == BODY_PARSE_ERROR:
            # One answer for every body the API cannot read: the 422 the document lists.
            problem = {"type": "json_invalid", "loc": ["body"], "msg": UNREADABLE_BODY}
            return JSONResponse(status_code=422, content={"detail": [problem]})
        if exc.status_code == 405:
            allowed = allowed_methods(app, request.url.path)
            if allowed is not None:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own 422, which quotes each refused value as it was sent.
        errors = jsonable_encoder(exc.errors())
        return AsciiJSONResponse(status_code=422, content={"detail": errors})

    app.add_exception_handler(SalesInDynamics, in_dynamics_page)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"{exc.page}?next={quote(exc.next_url)}", status_code=303)

    return app
