"""Companies with identifiers nobody else uses, what the registry fakes hold of them, and the
waits for the run's verification as the staff API shows it."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import date
from typing import Any, Literal

import httpx
from stdnum.iso7064 import mod_11_10
from stdnum.jp import cn

from domain.request import Address, Company, OnboardingRequest
from plumbing.stores import Stores
from tests.conftest import WebApp
from tests.factories import make_request, unique_email
from tests.registry_fakes import RegistryFakes

# What the requester types: the name the fakes register as 株式会社コントソ, and the street
# and city of the fakes' default address (東京都千代田区丸の内, 1丁目2番3号 in full-width digits).
TYPED_NAME = "コントソ株式会社"
REGISTERED_NAME = "株式会社コントソ"
OTHER_NAME = "株式会社ファブリカム"
STREET, CITY = "丸の内1-2-3", "千代田区"
CLOSED_ON = date(2025, 3, 31)
CANCELLED_ON = date(2025, 1, 31)
Outcome = Literal[
    "verified", "mismatch", "not_found", "closed", "registration_cancelled", "not_given"
]


def corporate_number() -> str:
    """A corporate number with a valid check digit, unused by other tests."""
    digits = f"{random.randrange(10**11, 10**12):012d}"
    return cn.calc_check_digit(digits) + digits


def vat_number() -> str:
    """A German VAT number with a valid check digit, unused by other tests."""
    digits = f"{random.randrange(10**7, 10**8)}"
    return f"DE{digits}{mod_11_10.calc_check_digit(digits)}"


def company_with(**identifiers: str | None) -> Company:
    return Company(
        name=TYPED_NAME,
        address=Address(line1=STREET, city=CITY, country="JP"),
        **identifiers,
    )


def request_with(**identifiers: str | None) -> OnboardingRequest:
    return make_request("ja").model_copy(update={"company": company_with(**identifiers)})


def request_body(**identifiers: str | None) -> dict[str, Any]:
    """The JSON API's body of a request with the identifiers."""
    body: dict[str, Any] = request_with(**identifiers).model_dump(mode="json")
    return body


def seeded(fakes: RegistryFakes, outcome: Outcome) -> dict[str, str]:
    """Seed the fakes so that the company's check comes out as `outcome`; the identifiers
    the request gives for it."""
    number = corporate_number()
    if outcome == "verified":
        fakes.add_company(number, REGISTERED_NAME)
    elif outcome == "mismatch":
        fakes.add_company(number, OTHER_NAME)
    elif outcome == "closed":
        fakes.add_company(number, REGISTERED_NAME, closed_on=CLOSED_ON, close_cause="11")
    elif outcome == "registration_cancelled":
        fakes.add_company(number, REGISTERED_NAME, cancelled_on=CANCELLED_ON)
        return {"invoice_registration_number": f"T{number}"}
    elif outcome == "not_given":
        return {}
    return {"corporate_number": number}


async def submitted(http: httpx.AsyncClient, web: WebApp, **identifiers: str) -> str:
    response = await http.post("/api/onboarding-requests", json=request_body(**identifiers))
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    return reference


async def submitted_by_form(http: httpx.AsyncClient, **identifiers: str) -> str:
    """A request through the site's form, identifiers as typed; its reference."""
    form = {
        "company.name": TYPED_NAME,
        "company.address.line1": STREET,
        "company.address.city": CITY,
        "company.address.country": "JP",
        "contact.last_name": "佐藤",
        "contact.first_name": "愛子",
        "contact.email": unique_email(),
        **{f"company.{field}": typed for field, typed in identifiers.items()},
    }
    response = await http.post("/partner/apply?lang=ja", data=form)
    assert response.status_code == 303, response.text
    found = re.search(r"/partner/requests/([^/]+)/submitted", response.headers["location"])
    assert found is not None
    return found[1]


async def onboarding(http: httpx.AsyncClient, web: WebApp, reference: str) -> dict[str, Any]:
    response = await http.get(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def verified_as(
    http: httpx.AsyncClient, web: WebApp, reference: str, within: float = 60
) -> dict[str, Any]:
    """The onboarding once its verification has a verdict other than `pending`."""
    async with asyncio.timeout(within):
        while True:
            body = await onboarding(http, web, reference)
            verification = body["verification"]
            if body["lead_id"] and verification and verification["status"] != "pending":
                return body
            await asyncio.sleep(0.1)


async def attempted(stores: Stores, reference: str, within: float = 30) -> None:
    """Wait until the run's verification has met a registry that did not answer."""
    checks = stores.commerce_store().company_checks
    async with asyncio.timeout(within):
        while True:
            evidence = await checks.evidence(reference)
            if evidence is not None and evidence.progress is not None:
                return
            await asyncio.sleep(0.1)
