"""Duplicate deliveries at the same moment have exactly one effect."""

from __future__ import annotations

import asyncio

import httpx

from plumbing.stores import Stores
from tests.api_helpers import poll, qualified_opportunity, request_body, submitted_lead
from tests.conftest import WebApp


async def test_same_submission_twice_at_once_starts_one_onboarding(
    http: httpx.AsyncClient, stores: Stores
) -> None:
    """Two identical form posts racing each other get one reference and one prospect."""
    body = request_body()
    first, second = await asyncio.gather(
        http.post("/api/onboarding-requests", json=body),
        http.post("/api/onboarding-requests", json=body),
    )
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["reference"] == second.json()["reference"]
    count = await stores.commerce.fetchval(
        "SELECT count(*) FROM onboarding_claims WHERE email_key = $1",
        body["contact"]["email"].lower(),
    )
    assert count == 1


async def test_same_qualify_twice_at_once_has_one_effect(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """Two identical qualify calls racing: one 202, one 409, one opportunity."""
    reference, lead_id = await submitted_lead(http, web)
    path = f"/api/sales/leads/{lead_id}/qualify"
    answers = await asyncio.gather(
        http.post(path, headers=web.staff()), http.post(path, headers=web.staff())
    )
    assert sorted(a.status_code for a in answers) == [202, 409]
    await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    assert (
        await stores.sales.fetchval(
            "SELECT count(*) FROM opportunities WHERE lead_id = $1", lead_id
        )
        == 1
    )


async def test_same_close_twice_at_once_has_one_effect(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Two identical won closes racing: one 202, one 409, one approval in the history."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    path = f"/api/sales/opportunities/{opportunity_id}/close"
    answers = await asyncio.gather(
        *(http.post(path, json={"outcome": "won"}, headers=web.staff()) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [202, 409]
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    accepted = [h["event"] for h in onboarding["history"] if h["accepted"]]
    assert accepted.count("opportunity_won") == 1
