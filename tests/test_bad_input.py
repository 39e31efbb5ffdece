"""Bad input gets a clear 422 naming the field; markup comes out escaped; Japanese unchanged."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import signed_in_staff
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def with_field(path: str, value: Any) -> dict[str, Any]:
    body = request_body()
    *parents, leaf = path.split(".")
    target = body
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value
    return body


async def assert_422_naming(http: httpx.AsyncClient, body: dict[str, Any], path: str) -> None:
    response = await http.post("/api/onboarding-requests", json=body)
    assert response.status_code == 422, response.text
    assert ["body", *path.split(".")] in [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("path", "size"),
    [("company.name", 201), ("contact.first_name", 201), ("contact.email", 255),
     ("contact.phone", 41), ("company.address.city", 201), ("comments", 2001)],
)  # fmt: skip
async def test_oversized_field_is_422(http: httpx.AsyncClient, path: str, size: int) -> None:
    """A field longer than its limit is refused by name."""
    value = "a" * size if path != "contact.email" else "a" * (size - 12) + "@example.com"
    await assert_422_naming(http, with_field(path, value), path)


@pytest.mark.parametrize(
    ("path", "value"),
    [("contact.last_name", "Sato\r\nBcc: x@evil.example"), ("company.name", "Contoso\x00"),
     ("contact.job_title", "Boss\x1b[31m"), ("comments", "line\x07bell")],
)  # fmt: skip
async def test_control_characters_are_422(http: httpx.AsyncClient, path: str, value: str) -> None:
    """Control characters, header injection included, are refused by name."""
    await assert_422_naming(http, with_field(path, value), path)


@pytest.mark.parametrize(
    "path", ["company.name", "contact.first_name", "company.address.line1", "comments"]
)
async def test_a_lone_surrogate_is_422(http: httpx.AsyncClient, path: str) -> None:
    """JSON's escape of half a character (a lone surrogate) is refused by name, not kept."""
    # json.dumps escapes it as \\ud800, as a client's JSON would carry it.
    content = json.dumps(with_field(path, "Contoso \ud800")).encode()
    response = await http.post(
        "/api/onboarding-requests", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert ["body", *path.split(".")] in [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("path", "value"),
    [("company.name", 123), ("contact", "Aiko"), ("locale", 5), ("company.address", []),
     ("contact.email", "aiko@"), ("unexpected", "field")],
)  # fmt: skip
async def test_wrong_type_or_shape_is_422(http: httpx.AsyncClient, path: str, value: Any) -> None:
    """Wrong types, invalid emails and unknown fields are refused by name."""
    await assert_422_naming(http, with_field(path, value), path)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_a_number_json_has_not_is_422(http: httpx.AsyncClient, constant: str) -> None:
    """NaN or an infinity where text belongs is refused by name, and quoted back as text."""
    body = json.dumps(with_field("company.name", "PLACEHOLDER")).replace('"PLACEHOLDER"', constant)
    response = await http.post(
        "/api/onboarding-requests", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert ["body", "company", "name"] in [e["loc"] for e in response.json()["detail"]]


async def test_body_that_is_not_json_is_422(http: httpx.AsyncClient) -> None:
    """A body that is not JSON gets 422, not a 500."""
    response = await http.post(
        "/api/onboarding-requests",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_japanese_round_trips_unchanged(http: httpx.AsyncClient, web: WebApp) -> None:
    """Japanese names, company and comments read back exactly as sent."""
    body = request_body("ja")
    body["company"]["name"] = "株式会社ｶﾀｶﾅ・髙橋商事"
    body["contact"].update(first_name="𠮷乃", last_name="髙橋")
    body["comments"] = "月に２００個購入します。\n宜しくお願いします。"
    reference = (await http.post("/api/onboarding-requests", json=body)).json()["reference"]
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id")
    lead = (await http.get(f"/api/sales/leads/{onboarding['lead_id']}", headers=web.staff())).json()
    prospect = (
        await http.get(f"/api/commerce/prospects/{onboarding['prospect_id']}", headers=web.staff())
    ).json()
    names = (lead["company"]["name"], lead["contact"]["first_name"], lead["contact"]["last_name"])
    assert names == ("株式会社ｶﾀｶﾅ・髙橋商事", "𠮷乃", "髙橋")
    assert (prospect["company_name"], prospect["comments"]) == (
        "株式会社ｶﾀｶﾅ・髙橋商事", "月に２００個購入します。\n宜しくお願いします。",
    )  # fmt: skip


async def test_markup_is_escaped_in_every_page_and_email(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """HTML and script typed into every text field come out as text on pages and in emails."""
    body = request_body()
    body["company"].update(name=f"ACME {HOSTILE}", website=HOSTILE, tax_id="<b>T1</b>")
    body["contact"].update(first_name=f"A{HOSTILE}"[:200], last_name="<i>S</i>", job_title=HOSTILE)
    body["comments"] = HOSTILE
    email = body["contact"]["email"]
    reference = (await http.post("/api/onboarding-requests", json=body)).json()["reference"]
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id")
    lead_id = onboarding["lead_id"]
    await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    await poll(http, web, f"/api/sales/leads/{lead_id}", "opportunity_id")
    await http.post(
        f"/api/sales/opportunities/{onboarding['opportunity_id']}/close",
        json={"outcome": "won"}, headers=web.staff(),
    )  # fmt: skip
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")

    await signed_in_staff(http, stores, web, name=HOSTILE[:100])
    pages = [
        "/sales/leads?view=commerce-b2b", f"/sales/leads/{lead_id}",
        f"/sales/opportunities/{onboarding['opportunity_id']}", "/commerce/prospects",
        f"/commerce/prospects/{onboarding['prospect_id']}",
        f"/commerce/customer-hierarchies/{onboarding['customer_hierarchy_id']}",
    ]  # fmt: skip
    for path in pages:
        html = (await http.get(path)).text
        assert "<script>" not in html, path
        assert "<img" not in html, path
        assert "&lt;script&gt;" in html, path
    http.cookies.clear()
    emails = smtp.messages_to(email)
    assert [m["Message-ID"] for m in emails] == [
        f"<{reference}.{kind}@shop.example>" for kind in ("acknowledgement", "approved")
    ]
    for message in emails:
        html_part = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "<script>" not in html_part
        assert "&lt;script&gt;" in html_part
