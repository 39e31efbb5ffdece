"""The staff API of information requests: 201 with the open request, 409 when the lead is not
open, 422 naming the field at fault, and the list with the answers' files."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.api_helpers import poll, request_body, submitted_lead
from tests.conftest import WebApp
from tests.factories import unique_email
from tests.information_request_helpers import SHOP_ZONE

MESSAGE = "登記簿謄本（履歴事項全部証明書）をお送りください。"


def in_days(days: int) -> str:
    return (datetime.now(SHOP_ZONE).date() + timedelta(days=days)).isoformat()


def body(**changes: Any) -> dict[str, Any]:
    return {
        "message": MESSAGE,
        "documents": ["registration_certificate", "credit_application"],
        "due": in_days(7),
        **changes,
    }


async def test_ask_answers_201_with_the_open_request(http: httpx.AsyncClient, web: WebApp) -> None:
    """The request comes back open, with its message, documents, due date and no answers."""
    _, lead_id = await submitted_lead(http, web)
    path = f"/api/sales/leads/{lead_id}/information-requests"
    response = await http.post(path, json=body(), headers=web.staff("rep@shop.example"))
    assert response.status_code == 201, response.text
    asked = response.json()
    assert (asked["status"], asked["message"], asked["answers"]) == ("open", MESSAGE, [])
    assert asked["documents"] == ["registration_certificate", "credit_application"]
    assert asked["created_by"].endswith("rep@shop.example")
    assert date.fromisoformat(asked["due"]) == date.fromisoformat(in_days(7))
    listed = await http.get(path, headers=web.staff())
    assert [r["id"] for r in listed.json()] == [asked["id"]]


async def test_the_applicant_gets_one_link_with_the_token(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """The applicant's email carries exactly one URL with `token`, to the answer page."""
    email = unique_email()
    response = await http.post("/api/onboarding-requests", json=request_body(email=email))
    reference = response.json()["reference"]
    lead_id = (await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id"))["lead_id"]
    path = f"/api/sales/leads/{lead_id}/information-requests"
    assert (await http.post(path, json=body(), headers=web.staff())).status_code == 201
    async with asyncio.timeout(20):
        while True:
            mails = [m for m in smtp.messages_to(email) if "information_request" in m["Message-ID"]]
            if mails:
                break
            await asyncio.sleep(0.05)
    text = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    links = [word for word in text.split() if "token" in word]
    assert len(links) == 1
    assert links[0].startswith(f"{web.settings.onboarding_store_url}/partner/information?token=")


async def test_ask_on_a_decided_lead_is_409(http: httpx.AsyncClient, web: WebApp) -> None:
    """After the lead is disqualified, a request answers 409 and none is kept."""
    reference, lead_id = await submitted_lead(http, web)
    staff = web.staff()
    decided = await http.post(
        f"/api/sales/leads/{lead_id}/disqualify", json={"reason": "Lost"}, headers=staff
    )
    assert decided.status_code == 202
    path = f"/api/sales/leads/{lead_id}/information-requests"
    response = await http.post(path, json=body(), headers=staff)
    assert response.status_code == 409
    assert response.json()["reference"] == reference
    assert (await http.get(path, headers=staff)).json() == []


async def test_ask_on_an_unknown_lead_is_404(http: httpx.AsyncClient, web: WebApp) -> None:
    """No lead, no request."""
    path = "/api/sales/leads/LEAD-nosuchlead/information-requests"
    response = await http.post(path, json=body(), headers=web.staff())
    assert response.status_code == 404


async def test_bad_requests_are_422_naming_the_field(http: httpx.AsyncClient, web: WebApp) -> None:
    """A past due date, an unknown document kind, an empty message: 422 naming each field."""
    _, lead_id = await submitted_lead(http, web)
    path = f"/api/sales/leads/{lead_id}/information-requests"
    cases = {
        "due": body(due=in_days(-1)),
        "documents": body(documents=["passport"]),
        "message": body(message="   "),
    }
    for field, sent in cases.items():
        response = await http.post(path, json=sent, headers=web.staff())
        assert response.status_code == 422, (field, response.text)
        assert field in [e["loc"][1] for e in response.json()["detail"]], response.text
    assert (await http.get(path, headers=web.staff())).json() == []


async def test_requests_of_an_erased_onboarding_are_gone(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """Erasing the onboarding deletes its requests."""
    reference, lead_id = await submitted_lead(http, web)
    path = f"/api/sales/leads/{lead_id}/information-requests"
    assert (await http.post(path, json=body(), headers=web.staff())).status_code == 201
    assert await stores.commerce_store().erase(reference)
    count = await stores.commerce.fetchval(
        "SELECT count(*) FROM information_requests WHERE reference = $1", reference
    )
    assert count == 0


async def test_the_onboarding_shows_whether_it_waits_for_the_applicant(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """waiting_for_applicant: false before a request, true while one is open, false once the
    lead is decided (which closes it)."""
    reference, lead_id = await submitted_lead(http, web)
    path = f"/api/onboarding-requests/{reference}"
    assert (await http.get(path, headers=web.staff())).json()["waiting_for_applicant"] is False
    asked = await http.post(
        f"/api/sales/leads/{lead_id}/information-requests", json=body(), headers=web.staff()
    )
    assert asked.status_code == 201, asked.text
    await poll(http, web, path, "waiting_for_applicant")
    decided = await http.post(
        f"/api/sales/leads/{lead_id}/disqualify", json={"reason": "Lost"}, headers=web.staff()
    )
    assert decided.status_code == 202
    async with asyncio.timeout(30):
        while True:
            if not (await http.get(path, headers=web.staff())).json()["waiting_for_applicant"]:
                break
            await asyncio.sleep(0.05)


async def test_a_due_date_after_the_onboardings_expiry_is_422_naming_the_last_day(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Due after the lead expires: 422 on `due` naming the last day (the one before the
    expiry's), which is then taken."""
    wait = web.settings.onboarding_expire_after
    earliest = (datetime.now(SHOP_ZONE) + wait).date() - timedelta(days=1)
    _, lead_id = await submitted_lead(http, web)
    path = f"/api/sales/leads/{lead_id}/information-requests"
    response = await http.post(path, json=body(due=in_days(wait.days + 5)), headers=web.staff())
    latest = (datetime.now(SHOP_ZONE) + wait).date() - timedelta(days=1)
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "due"]
    last = date.fromisoformat(problem["msg"].removeprefix("must be ")[:10])
    assert earliest <= last <= latest
    assert problem["msg"] == f"must be {last} or earlier: the onboarding expires the day after"
    assert (await http.get(path, headers=web.staff())).json() == []
    taken = await http.post(path, json=body(due=last.isoformat()), headers=web.staff())
    assert taken.status_code == 201, taken.text
