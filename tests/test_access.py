"""No one unauthorised: every staff route of the API and every staff page is closed."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from fastapi.routing import APIRoute

from starter.app import create_app
from starter.common.ratelimit import RateLimiter
from starter.staff import back_office, sales_console
from tests.api_helpers import request_body
from tests.conftest import WebApp, serving

PUBLIC_OPERATIONS = {("post", "/api/onboarding-requests"), ("get", "/healthz")}


def filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X-UNKNOWN", path)


async def test_every_staff_api_route_needs_the_token(http: httpx.AsyncClient) -> None:
    """Each operation in /openapi.json but the form and /healthz answers 401 without a token."""
    document: dict[str, Any] = (await http.get("/openapi.json")).json()
    operations = [
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if (method, path) not in PUBLIC_OPERATIONS
    ]
    answers = {
        (method, path): (await http.request(method, filled(path), json={})).status_code
        for method, path in operations
    }
    print(f"staff API operations checked without a token: {len(answers)}")
    assert len(answers) >= 11
    assert set(answers.values()) == {401}, answers


async def test_every_staff_page_needs_a_session(http: httpx.AsyncClient) -> None:
    """Each Sales and Commerce page, GET or POST, sends a browser without a session to sign in."""
    pages = [
        (method, route.path)
        for part in (sales_console, back_office)
        for route in part.router.routes
        if isinstance(route, APIRoute) and route.path.startswith(("/sales/", "/commerce/"))
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]
    answers = {}
    for method, path in pages:
        response = await http.request(method, filled(path))
        answers[(method, path)] = (response.status_code, response.headers.get("location", ""))
    print(f"staff pages checked without a session: {len(answers)}")
    assert len(answers) >= 9
    for page, (status, location) in answers.items():
        assert status == 303, page
        assert location.startswith("/staff/sign-in?next="), page


def test_rate_limiter_refills_over_time() -> None:
    """A burst is allowed, the next request waits, and a minute later it goes through."""
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    assert [limiter.retry_after("a"), limiter.retry_after("a")] == [None, None]
    assert limiter.retry_after("a") == 10
    assert limiter.retry_after("b") is None
    now[0] += 10
    assert limiter.retry_after("a") is None


async def test_form_is_rate_limited_per_address(web: WebApp) -> None:
    """Past its burst, one address gets a clear 429 with Retry-After, on the API and the page."""
    settings = web.settings.model_copy(
        update={"onboarding_submit_rate_per_minute": 2, "onboarding_submit_burst": 2,
                "onboarding_task_queue": f"limited-{uuid.uuid4().hex[:8]}"}
    )  # fmt: skip
    async with (
        serving(create_app(settings, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        answers = [
            (await http.post("/api/onboarding-requests", json=request_body())).status_code
            for _ in range(3)
        ]
        limited = await http.post("/api/onboarding-requests", json=request_body())
        page = await http.post("/partner/apply", data={"company.name": "x"})
    assert answers == [202, 202, 429]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["detail"].startswith("too many requests from this address")
    assert page.status_code == 429
