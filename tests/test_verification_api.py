"""Qualifying through the JSON API a lead whose company verification found something wrong:
the caller confirms the verdict they saw, and the lead's timeline records who did."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import WebApp
from tests.registry_fakes import RegistryFakes
from tests.test_verification_console import lead_status, lead_with


async def qualified(
    http: httpx.AsyncClient, web: WebApp, lead_id: str, body: Any = None, user: str = "staff"
) -> httpx.Response:
    return await http.post(
        f"/api/sales/leads/{lead_id}/qualify", json=body, headers=web.staff(user)
    )


async def test_an_unconfirmed_mismatch_is_409_naming_it(
    http: httpx.AsyncClient, web: WebApp, registry_fakes: RegistryFakes
) -> None:
    """Without a confirmation the answer names the verdict and how to confirm it; the lead
    stays open."""
    lead_id = await lead_with(http, web, registry_fakes, "mismatch")
    refused = await qualified(http, web, lead_id)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "found mismatch" in detail
    assert '{"confirm_verification": "mismatch"}' in detail
    assert await lead_status(http, web, lead_id) == "open"


async def test_a_confirmation_of_another_verdict_is_refused(
    http: httpx.AsyncClient, web: WebApp, registry_fakes: RegistryFakes
) -> None:
    """A confirmation of a milder verdict than the lead's does not pass it."""
    lead_id = await lead_with(http, web, registry_fakes, "closed")
    refused = await qualified(http, web, lead_id, {"confirm_verification": "mismatch"})
    assert refused.status_code == 409, refused.text
    assert '{"confirm_verification": "closed"}' in refused.json()["detail"]
    assert await lead_status(http, web, lead_id) == "open"


async def test_a_confirmed_verdict_is_qualified_and_noted(
    http: httpx.AsyncClient, web: WebApp, registry_fakes: RegistryFakes
) -> None:
    """With the verdict confirmed the lead is qualified, and its timeline names the program
    that saw which verdict."""
    lead_id = await lead_with(http, web, registry_fakes, "not_found")
    body = {"confirm_verification": "not_found"}
    accepted = await qualified(http, web, lead_id, body, user="Rep Sato")
    assert accepted.status_code == 202, accepted.text
    lead = (await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())).json()
    assert lead["status"] == "qualified"
    notes = [note["body"] for note in lead["timeline"]]
    assert "api:Rep Sato saw the company verification (not_found) and qualified the lead " \
        "nevertheless." in notes  # fmt: skip


async def test_a_verified_lead_needs_no_body(
    http: httpx.AsyncClient, web: WebApp, registry_fakes: RegistryFakes
) -> None:
    """A lead whose company is verified is qualified by the bodiless call existing clients
    make, and nothing is noted."""
    lead_id = await lead_with(http, web, registry_fakes, "verified")
    accepted = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert accepted.status_code == 202, accepted.text
    lead = (await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())).json()
    assert not [note for note in lead["timeline"] if "saw the company verification" in note["body"]]


async def test_a_confirmation_that_is_no_verdict_is_422(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A confirmation that names no verdict is refused, naming the field."""
    refused = await qualified(http, web, "LEAD-ANY", {"confirm_verification": "yes"})
    assert refused.status_code == 422, refused.text
    locs = [error["loc"] for error in refused.json()["detail"]]
    assert ["body", "confirm_verification"] in locs
