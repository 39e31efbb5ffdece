"""The company verification end to end: a request with identifiers submitted, the run's
check against the registry fakes, and what the staff API and the Sales console show."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import Client

from plumbing.stores import Stores
from starter.app import create_app
from tests.account_helpers import signed_in_staff
from tests.conftest import WebApp, serving
from tests.registry_fakes import RegistryFakes
from tests.verification_helpers import (
    CLOSED_ON,
    OTHER_NAME,
    REGISTERED_NAME,
    Outcome,
    attempted,
    onboarding,
    seeded,
    submitted,
    submitted_by_form,
    verified_as,
)
from workers.worker import running_worker

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
OUTCOMES: list[Outcome] = [
    "verified",
    "mismatch",
    "not_found",
    "closed",
    "registration_cancelled",
    "not_given",
]


def lead_page_status(html: str) -> str | None:
    found = re.search(r'id="verification-status" data-status="([a-z_]+)"', html)
    return found[1] if found else None


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_each_outcome_reaches_the_api_and_the_lead_page(
    http: httpx.AsyncClient,
    web: WebApp,
    stores: Stores,
    registry_fakes: RegistryFakes,
    outcome: Outcome,
) -> None:
    """The registry's answer, from the site's form on, is the API's verification and the
    lead page's status."""
    identifiers = seeded(registry_fakes, outcome)
    seeded_number = next(iter(identifiers.values()), None)
    if outcome == "verified":  # typed in full-width digits, with a hyphen
        number = identifiers["corporate_number"]
        identifiers["corporate_number"] = f"{number[:4]}-{number[4:]}".translate(FULL_WIDTH)
    reference = await submitted_by_form(http, **identifiers)
    body = await verified_as(http, web, reference)
    verification = body["verification"]
    assert verification["status"] == outcome
    await signed_in_staff(http, stores, web)
    page = await http.get(f"/sales/leads/{body['lead_id']}?lang=en")
    assert page.status_code == 200
    if outcome == "not_given":
        assert verification == {"status": "not_given", "checked_at": None, "checks": []}
        assert lead_page_status(page.text) == "not_given"
        return
    [check] = verification["checks"]
    assert check["status"] == outcome
    assert verification["checked_at"] is not None
    assert lead_page_status(page.text) == outcome
    assert check["number"] == seeded_number
    if outcome in ("verified", "closed", "registration_cancelled"):
        assert check["registered_name"] == REGISTERED_NAME
        assert REGISTERED_NAME in page.text
    if outcome == "mismatch":
        assert check["registered_name"] == OTHER_NAME
        assert check["details"]["differs"] == "name"
        assert OTHER_NAME in page.text
    if outcome == "closed":
        assert check["details"]["closed_on"] == CLOSED_ON.isoformat()


async def test_pending_through_an_outage_then_verified_once(
    http: httpx.AsyncClient, web: WebApp, stores: Stores, registry_fakes: RegistryFakes
) -> None:
    """While the registry is down the verification is pending and a decision is taken; once
    it is back, the retry verifies with one evidence row."""
    identifiers = seeded(registry_fakes, "verified")
    registry_fakes.outage(True)
    try:
        reference = await submitted(http, web, **identifiers)
        await attempted(stores, reference)
        body = await onboarding(http, web, reference)
        assert body["verification"]["status"] == "pending"
        qualified = await http.post(
            f"/api/sales/leads/{body['lead_id']}/qualify", headers=web.staff()
        )
        assert qualified.status_code == 202, qualified.text
    finally:
        registry_fakes.outage(False)
    # The retry comes after the policy's first interval (10 s), not the outage's length.
    verified = await verified_as(http, web, reference)
    assert verified["verification"]["status"] == "verified"
    checks = await stores.commerce_store().company_checks.checks(reference)
    assert len(checks) == 1


@contextlib.asynccontextmanager
async def without_application_id(
    client: Client, stores: Stores, web: WebApp
) -> AsyncIterator[WebApp]:
    """A web app and its worker with no NTA application id configured."""
    settings = web.settings.model_copy(
        update={
            "onboarding_nta_application_id": None,
            "onboarding_task_queue": f"no-app-id-{uuid.uuid4().hex[:8]}",
        }
    )
    token = f"staff-{uuid.uuid4().hex}"
    async with (
        running_worker(client, settings.onboarding_task_queue, stores, settings),
        serving(create_app(settings, token)) as url,
    ):
        yield WebApp(url=url, staff_token=token, settings=settings)


async def test_without_application_id_the_lead_page_says_pending(
    client: Client, stores: Stores, web: WebApp, registry_fakes: RegistryFakes
) -> None:
    """With no NTA application id the check is pending, shown as no verdict on the page."""
    identifiers = seeded(registry_fakes, "verified")
    async with (
        without_application_id(client, stores, web) as here,
        httpx.AsyncClient(base_url=here.url, timeout=30) as http,
    ):
        reference = await submitted(http, here, **identifiers)
        await attempted(stores, reference)
        evidence = await stores.commerce_store().company_checks.evidence(reference)
        assert evidence is not None
        assert evidence.progress is not None
        assert evidence.progress.reason == "nta_corporate: no_application_id"
        body = await onboarding(http, here, reference)
        assert body["verification"] == {"status": "pending", "checked_at": None, "checks": []}
        await signed_in_staff(http, stores, here)
        page = await http.get(f"/sales/leads/{body['lead_id']}?lang=en")
    assert lead_page_status(page.text) == "pending"
    assert "This does not hold a decision" in page.text
    assert 'id="confirm-verification"' not in page.text
