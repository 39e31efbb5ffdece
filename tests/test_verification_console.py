"""Qualifying in the Sales console a lead whose company verification found something wrong:
the salesperson confirms having seen it, and the lead's timeline records that they did."""

from __future__ import annotations

import httpx

from plumbing.stores import Stores
from tests.account_helpers import post_form, signed_in_staff
from tests.conftest import WebApp
from tests.registry_fakes import RegistryFakes
from tests.verification_helpers import Outcome, seeded, submitted, verified_as

CONFIRM = 'id="confirm-verification"'


async def lead_with(
    http: httpx.AsyncClient, web: WebApp, fakes: RegistryFakes, outcome: Outcome
) -> str:
    """A lead whose verification came out as `outcome`."""
    reference = await submitted(http, web, **seeded(fakes, outcome))
    body = await verified_as(http, web, reference)
    lead_id: str = body["lead_id"]
    return lead_id


async def lead_status(http: httpx.AsyncClient, web: WebApp, lead_id: str) -> str:
    response = await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())
    status: str = response.json()["status"]
    return status


async def test_a_mismatch_is_not_qualified_unconfirmed(
    http: httpx.AsyncClient, web: WebApp, stores: Stores, registry_fakes: RegistryFakes
) -> None:
    """Without the box ticked, qualifying a mismatch says why and leaves the lead open."""
    lead_id = await lead_with(http, web, registry_fakes, "mismatch")
    await signed_in_staff(http, stores, web)
    page = f"/sales/leads/{lead_id}?lang=en"
    assert CONFIRM in (await http.get(page)).text
    refused = await post_form(http, page, f"/sales/leads/{lead_id}/qualify", {})
    assert refused.status_code == 303
    assert "problem=" in refused.headers["location"]
    shown = await http.get(refused.headers["location"] + "&lang=en")
    assert "the company verification found mismatch" in shown.text
    assert await lead_status(http, web, lead_id) == "open"


async def test_a_confirmed_mismatch_is_qualified_and_noted(
    http: httpx.AsyncClient, web: WebApp, stores: Stores, registry_fakes: RegistryFakes
) -> None:
    """With the box ticked, the lead is qualified and its timeline names who saw what."""
    lead_id = await lead_with(http, web, registry_fakes, "closed")
    await signed_in_staff(http, stores, web, name="Rep Tanaka")
    page = f"/sales/leads/{lead_id}?lang=en"
    action = f"/sales/leads/{lead_id}/qualify"
    qualified = await post_form(http, page, action, {"confirm_verification": "closed"})
    assert qualified.status_code == 303
    assert "problem=" not in qualified.headers["location"]
    assert await lead_status(http, web, lead_id) == "qualified"
    shown = await http.get(page)
    assert "Rep Tanaka saw the company verification (closed) and qualified the lead" in shown.text


async def test_a_verified_lead_asks_no_confirmation(
    http: httpx.AsyncClient, web: WebApp, stores: Stores, registry_fakes: RegistryFakes
) -> None:
    """A verified company's lead is qualified without a box to tick."""
    lead_id = await lead_with(http, web, registry_fakes, "verified")
    await signed_in_staff(http, stores, web)
    page = f"/sales/leads/{lead_id}?lang=en"
    assert CONFIRM not in (await http.get(page)).text
    qualified = await post_form(http, page, f"/sales/leads/{lead_id}/qualify", {})
    assert qualified.status_code == 303
    assert await lead_status(http, web, lead_id) == "qualified"


async def test_a_page_of_an_older_verdict_confirms_nothing(
    http: httpx.AsyncClient, web: WebApp, stores: Stores, registry_fakes: RegistryFakes
) -> None:
    """The box carries the verdict its page showed; one ticked on a page that showed another
    verdict than the lead's now is refused."""
    lead_id = await lead_with(http, web, registry_fakes, "closed")
    await signed_in_staff(http, stores, web)
    page = f"/sales/leads/{lead_id}?lang=en"
    assert 'name="confirm_verification" value="closed"' in (await http.get(page)).text
    action = f"/sales/leads/{lead_id}/qualify"
    refused = await post_form(http, page, action, {"confirm_verification": "mismatch"})
    assert "problem=" in refused.headers["location"]
    assert await lead_status(http, web, lead_id) == "open"
