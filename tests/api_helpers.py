"""Drive onboardings through the HTTP API as other programs would."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import WebApp
from tests.factories import make_request


def request_body(locale: str = "en", **contact: str) -> dict[str, Any]:
    body = make_request(locale).model_dump(mode="json")  # type: ignore[arg-type]
    body["contact"].update(contact)
    return body


async def poll(
    http: httpx.AsyncClient, web: WebApp, path: str, key: str, within: float = 30
) -> dict[str, Any]:
    """GET a staff resource until `key` is set in it (the workflow works asynchronously)."""
    async with asyncio.timeout(within):
        while True:
            response = await http.get(path, headers=web.staff())
            if response.status_code == 200 and response.json().get(key):
                body: dict[str, Any] = response.json()
                return body
            await asyncio.sleep(0.05)


async def submitted_lead(http: httpx.AsyncClient, web: WebApp) -> tuple[str, str]:
    """Submit a request; return its reference and, once Sales has it, its lead id."""
    response = await http.post("/api/onboarding-requests", json=request_body())
    assert response.status_code == 202, response.text
    reference = response.json()["reference"]
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id")
    return reference, onboarding["lead_id"]


async def qualified_opportunity(http: httpx.AsyncClient, web: WebApp) -> tuple[str, str]:
    reference, lead_id = await submitted_lead(http, web)
    response = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert response.status_code == 202, response.text
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    await poll(http, web, f"/api/sales/leads/{lead_id}", "opportunity_id")
    return reference, onboarding["opportunity_id"]
