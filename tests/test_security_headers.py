"""Every answer of the web app says nosniff; any that may be signed in or personal is not
stored; outside dev every answer asks for HTTPS from then on (ASVS V3.4)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from starter.app import create_app
from starter.common.security_headers import STRICT_TRANSPORT
from starter.services.health import HealthChecks
from tests.account_helpers import signed_in_admin, signed_in_staff
from tests.conftest import WebApp, serving

# Answers of every kind: public pages, a redirect to sign in, JSON, refusals, not found.
ANSWERS = [
    ("GET", "/"),
    ("GET", "/partner/apply"),
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/sales/leads"),
    ("GET", "/api/commerce/prospects"),
    ("POST", "/codec/decode"),
    ("GET", "/no-such-page"),
]


@pytest_asyncio.fixture(loop_scope="session")
async def production_http(web: WebApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app as `http`, but outside the dev environment."""
    production = web.settings.model_copy(update={"onboarding_environment": "production"})
    async with (
        serving(create_app(production, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as session,
    ):
        yield session


@pytest.mark.parametrize(("method", "path"), ANSWERS)
async def test_every_answer_says_nosniff(http: httpx.AsyncClient, method: str, path: str) -> None:
    """Whatever the page and its status, the answer tells the browser not to sniff its type."""
    response = await http.request(method, path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_signed_in_page_is_not_stored(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A staff page of a signed-in session says no-store."""
    await signed_in_staff(http, stores, web)
    response = await http.get("/sales/leads")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


async def test_an_api_read_is_not_stored(http: httpx.AsyncClient, web: WebApp) -> None:
    """The staff API's list of prospects (names, emails) says no-store."""
    response = await http.get("/api/commerce/prospects", headers=web.staff())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_form_sent_back_with_what_was_typed_is_not_stored(http: httpx.AsyncClient) -> None:
    """The request form answered with its errors shows the email typed: no-store."""
    email = f"typed.{uuid.uuid4().hex[:8]}@example.com"
    response = await http.post("/partner/apply", data={"contact.email": email})
    assert email in response.text
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/partner/apply"])
async def test_the_public_landing_and_form_pages_may_be_kept(
    http: httpx.AsyncClient, path: str
) -> None:
    """The landing page and the empty form, the same for everyone, carry no no-store."""
    response = await http.get(path)
    assert response.status_code == 200
    assert "Cache-Control" not in response.headers


async def test_the_public_pages_of_a_signed_in_partner_are_not_stored(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """The landing page and the form, asked with a partner's session, name the partner in
    their header: no-store."""
    await signed_in_admin(http, web, smtp)
    for path in ("/", "/partner/apply"):
        response = await http.get(path)
        assert "/sign-out" in response.text, path
        assert response.headers["Cache-Control"] == "no-store", path


async def test_a_public_page_that_sets_a_cookie_is_not_stored(http: httpx.AsyncClient) -> None:
    """The landing page that records the language chosen in a cookie says no-store."""
    response = await http.get("/", params={"lang": "ja"})
    assert "lang=ja" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "no-store"


async def test_an_unexpected_error_carries_the_headers(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500 from an error no handler expects is not sniffed nor stored either."""

    async def broken(self: HealthChecks) -> dict[str, bool]:
        raise RuntimeError("an error no handler expects")

    monkeypatch.setattr(HealthChecks, "check", broken)
    response = await http.get("/healthz")
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_dev_environment_sends_no_hsts(http: httpx.AsyncClient) -> None:
    """In dev (plain HTTP on localhost) no answer asks the browser for HTTPS."""
    response = await http.get("/")
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(("method", "path"), ANSWERS)
async def test_every_answer_outside_dev_asks_for_https(
    production_http: httpx.AsyncClient, method: str, path: str
) -> None:
    """Outside dev each answer carries HSTS: two years, subdomains included."""
    response = await production_http.request(method, path)
    assert response.headers["Strict-Transport-Security"] == STRICT_TRANSPORT
    assert STRICT_TRANSPORT == "max-age=63072000; includeSubDomains"
