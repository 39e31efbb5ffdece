"""The web app: JSON API, B2B site and staff pages, over one set of services."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from plumbing.settings import Settings
from starter import staff
from starter.api import health
from starter.api import router as api_router
from starter.common.auth import SignInRequired
from starter.integrations import codec, sales_webhook
from starter.services import open_services
from starter.site import pages as site_pages
from storage.database import StoreUnavailable

log = logging.getLogger("starter")


def create_app(settings: Settings, staff_token: str) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(settings, staff_token) as services:
            app.state.services = services
            yield

    app = FastAPI(
        title="Partner onboarding",
        version="1.0.0",
        description="B2B business-partner onboarding: request, Sales decisions, Commerce views.",
        lifespan=lifespan,
    )
    app.include_router(api_router)
    app.include_router(health.router)
    app.include_router(site_pages.router)
    app.include_router(staff.router)
    app.include_router(codec.router)
    app.include_router(sales_webhook.router)
    # The Temporal UI calls the codec endpoint from its own origin, with the staff session.
    ui = urlsplit(settings.onboarding_temporal_ui_url)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[f"{ui.scheme}://{ui.netloc}"],
        allow_credentials=True,
        allow_methods=["POST"],
        allow_headers=["content-type", "x-namespace", "authorization"],
    )

    @app.exception_handler(RPCError)
    @app.exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError)
    @app.exception_handler(OSError)
    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        # Temporal or a store is down for a moment: say so, and when to try again.
        log.warning("%s %s: dependency unavailable: %r", request.method, request.url.path, exc)
        return JSONResponse(
            status_code=503,
            content={"detail": "temporarily unavailable; try again shortly"},
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/staff/sign-in?next={quote(exc.next_url)}", status_code=303)

    return app
