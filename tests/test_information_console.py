"""Information requests in the Sales console: `Ask for information` on the lead's page, the
form and its errors, and the lead's page listing the request, its status and the answer's
files (downloaded with the console session)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import csrf_in, signed_in_staff
from tests.api_helpers import submitted_lead
from tests.conftest import WebApp
from tests.information_request_helpers import SHOP_ZONE
from tests.test_information_page import PDF, asked, form_of, send


def in_days(days: int) -> str:
    return (datetime.now(SHOP_ZONE).date() + timedelta(days=days)).isoformat()


async def ask_in_console(
    http: httpx.AsyncClient, lead_id: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    lead_page = (await http.get(f"/sales/leads/{lead_id}?lang=en")).text
    assert "Ask for information</button>" in lead_page
    form = (await http.get(f"/sales/leads/{lead_id}/information-requests/new?lang=en")).text
    for label in ("Message", "Due date", "Send request", "Certificate of registered matters"):
        assert label in form
    action = f"/sales/leads/{lead_id}/information-requests?lang=en"
    return await http.post(action, data={**data, "csrf_token": csrf_in(form)})


async def test_the_salesperson_asks_from_the_lead_page(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """The form sends the request; the lead shows it, waiting for the applicant."""
    _, lead_id = await submitted_lead(http, web)
    await signed_in_staff(http, stores, web)
    data: dict[str, str | list[str]] = {
        "message": "Please send the certificate and the bank reference.",
        "documents": ["registration_certificate", "bank_reference"],
        "due": in_days(5),
    }
    sent = await ask_in_console(http, lead_id, data)
    assert sent.status_code == 303, sent.text
    page = (await http.get(f"/sales/leads/{lead_id}?lang=en")).text
    assert "waiting for the applicant" in page
    assert "Please send the certificate and the bank reference." in page
    listed = await http.get(f"/api/sales/leads/{lead_id}/information-requests", headers=web.staff())
    [request] = listed.json()
    assert request["documents"] == ["registration_certificate", "bank_reference"]


async def test_the_form_names_each_field_in_error(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """No message and a past due date: 422 with both named, and nothing asked."""
    _, lead_id = await submitted_lead(http, web)
    await signed_in_staff(http, stores, web)
    refused = await ask_in_console(http, lead_id, {"message": "", "due": in_days(-2)})
    assert refused.status_code == 422
    assert 'href="#message"' in refused.text
    assert 'href="#due"' in refused.text
    listed = await http.get(f"/api/sales/leads/{lead_id}/information-requests", headers=web.staff())
    assert listed.json() == []


async def test_the_answer_and_its_file_are_on_the_lead(
    http: httpx.AsyncClient, web: WebApp, stores: Stores, smtp: SmtpSink
) -> None:
    """After the applicant answers, the lead's page shows the text and links the file, which
    downloads byte for byte with the console session."""
    lead_id, _, path = await asked(http, web, smtp)
    form = await form_of(http, path)
    answered = await send(http, form, "See the scan.", [("謄本.pdf", PDF, "application/pdf")])
    assert answered.status_code == 200
    await signed_in_staff(http, stores, web)
    page = (await http.get(f"/sales/leads/{lead_id}?lang=en")).text
    assert "See the scan." in page
    assert "謄本.pdf" in page
    link = page.split('<a href="/api/sales/information-requests/files/', 1)[1].split('"', 1)[0]
    download = await http.get(f"/api/sales/information-requests/files/{link}")
    assert download.status_code == 200
    assert download.content == PDF


async def test_a_due_date_after_the_expiry_is_named_with_the_last_day(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """A due date after the onboarding expires: 422, the field's error (ja and en alike)
    naming the last possible day, and nothing asked."""
    _, lead_id = await submitted_lead(http, web)
    await signed_in_staff(http, stores, web)
    late = in_days(web.settings.onboarding_expire_after.days + 5)
    data: dict[str, str | list[str]] = {"message": "The bank reference, please.", "due": late}
    sent = await ask_in_console(http, lead_id, data)
    assert sent.status_code == 422
    found = re.search(r"The due date must be (\d{4}-\d{2}-\d{2}) or earlier", sent.text)
    assert found is not None, sent.text
    assert 'id="due-error"' in sent.text
    assert sent.text.count(found[0]) == 2  # the summary and the field
    form = (await http.get(f"/sales/leads/{lead_id}/information-requests/new?lang=ja")).text
    action = f"/sales/leads/{lead_id}/information-requests?lang=ja"
    japanese = await http.post(action, data={**data, "csrf_token": csrf_in(form)})
    assert f"回答期限は {found[1]} 以前にしてください" in japanese.text
    listed = await http.get(f"/api/sales/leads/{lead_id}/information-requests", headers=web.staff())
    assert listed.json() == []
