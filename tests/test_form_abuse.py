"""Nobody can abuse the public form: limits count per client as the sign-in throttle does, and
no name carries a web address into the acknowledgement we send."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from domain.request import NAME
from starter.app import create_app
from starter.common.clients import client_of
from starter.common.ratelimit import RateLimiter
from tests.api_helpers import request_body
from tests.conftest import WebApp, serving
from tests.test_bad_input import assert_422_naming, with_field

# Limits on, the burst of each small. Every request below is refused before it starts anything.
LIMITED = {
    "onboarding_submit_rate_per_minute": 1,
    "onboarding_submit_burst": 1,
    "onboarding_link_requests_per_minute": 1,
}
WEB_ADDRESSES = ["see http://spam.example", "www.spam.example", "WWW.Spam.Example", "a://b"]


def from_address(host: str) -> dict[str, str]:
    # The test server trusts its own 127.0.0.1 as a proxy (uvicorn's default), as a deployment
    # trusts ONBOARDING_FORWARDED_ALLOW_IPS.
    return {"X-Forwarded-For": host}


@pytest.mark.parametrize(
    ("path", "form", "burst"),
    [("/partner/apply", {}, 1), ("/forgot-password", {"email": "nope"}, 5)],
)
async def test_one_ipv6_block_is_one_client_of_a_limit(
    web: WebApp, path: str, form: dict[str, str], burst: int
) -> None:
    """Two addresses of one IPv6 /64 share a limit; an address of another /64 has its own."""
    settings = web.settings.model_copy(
        update={**LIMITED, "onboarding_task_queue": f"limited-{uuid.uuid4().hex[:8]}"}
    )
    async with (
        serving(create_app(settings, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        first = [
            (await http.post(path, data=form, headers=from_address("2001:db8:1:2::1"))).status_code
            for _ in range(burst)
        ]
        same_block = await http.post(path, data=form, headers=from_address("2001:db8:1:2:ff::9"))
        other_block = await http.post(path, data=form, headers=from_address("2001:db8:1:3::1"))
    assert first == [422] * burst
    assert same_block.status_code == 429
    assert int(same_block.headers["retry-after"]) >= 1
    assert other_block.status_code == 422


def test_an_ipv4_client_on_a_dual_stack_socket_is_its_own_address() -> None:
    """::ffff:192.0.2.7 counts as 192.0.2.7, not with every IPv4 client in one /64."""
    seen = {
        host: client_of(Request({"type": "http", "client": (host, 1234), "headers": []}))
        for host in ("::ffff:192.0.2.7", "2001:db8:1:2::1", "192.0.2.7")
    }
    assert seen == {
        "::ffff:192.0.2.7": "192.0.2.7",
        "2001:db8:1:2::1": "2001:db8:1:2::/64",
        "192.0.2.7": "192.0.2.7",
    }


def test_the_limiter_forgets_refilled_clients_a_few_at_a_time() -> None:
    """Clients whose buckets refilled are dropped two per request, not all in one scan."""
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    for client in range(6):
        limiter.retry_after(f"client-{client}")
    now[0] += 10
    counts = []
    for client in range(3):
        limiter.retry_after(f"later-{client}")
        counts.append(limiter.clients)
    assert counts == [5, 4, 3]


def test_the_limiter_keeps_a_bounded_number_of_clients() -> None:
    """However many clients come at once, the limiter holds at most its maximum of buckets."""
    limiter = RateLimiter(per_minute=1, burst=1, clock=lambda: 0.0, max_clients=100)
    for client in range(5000):
        limiter.retry_after(f"client-{client}")
    assert limiter.clients == 100


@pytest.mark.parametrize("path", ["company.name", "contact.first_name", "contact.last_name"])
@pytest.mark.parametrize("value", WEB_ADDRESSES)
async def test_a_web_address_in_a_name_is_422(
    http: httpx.AsyncClient, path: str, value: str
) -> None:
    """A name with scheme:// or www. in it is refused by name, so no link rides in our email."""
    await assert_422_naming(http, with_field(path, value), path)


async def test_a_web_address_in_a_name_is_refused_on_the_form_in_its_language(
    http: httpx.AsyncClient,
) -> None:
    """The Japanese form names the field and says why, keeping what was typed."""
    form = {
        "company.name": "Fabrikam",
        "contact.first_name": "Ken",
        "contact.last_name": "http://spam.example",
        "contact.email": "ken@contoso.example",
    }
    response = await http.post("/partner/apply?lang=ja", data=form)
    error = 'id="contact-last_name-error">Web アドレス（://、www.）は入力できません。'
    assert response.status_code == 422
    assert error in response.text
    assert 'value="http://spam.example"' in response.text


async def test_names_with_dots_and_japanese_are_still_accepted(http: httpx.AsyncClient) -> None:
    """Only a web address is refused: Booking.com and 株式会社 names go through."""
    body = request_body()
    body["company"]["name"] = "Booking.com 株式会社"
    body["contact"]["last_name"] = "O'Brien-Smith Jr."
    response = await http.post("/api/onboarding-requests", json=body)
    assert response.status_code == 202, response.text


async def test_the_document_says_names_take_no_web_address(http: httpx.AsyncClient) -> None:
    """/openapi.json gives the three names the pattern the API checks, and says what it means."""
    schemas: dict[str, Any] = (await http.get("/openapi.json")).json()["components"]["schemas"]
    names = [
        schemas["Company"]["properties"]["name"],
        schemas["Contact"]["properties"]["first_name"],
        schemas["Contact"]["properties"]["last_name"],
    ]
    assert [name["pattern"] for name in names] == [NAME] * 3
    assert all("web addresses" in name["description"] for name in names)
