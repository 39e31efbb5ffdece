"""The lead page's company verification in a browser: its tables and the confirmation box pass
axe-core, in English and Japanese."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Route, expect
from starlette.requests import Request

from domain.registry_checks import RegistryCheck
from starter.common.rendering import render
from starter.services.verification import Verification
from tests.browser_pages import Screens, Visitors
from tests.test_browser_lead_page import LEAD, LEAD_URL

pytestmark = pytest.mark.browser

CHECKED_AT = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
MISMATCH = Verification(
    status="closed",
    checked_at=CHECKED_AT,
    checks=[
        RegistryCheck(
            registry="nta_corporate",
            number="7000012050002",
            status="closed",
            registered_name="株式会社ファブリカム",
            registered_address="東京都千代田区丸の内１丁目２－３",
            details={"closed_on": "2025-03-31", "close_cause": "11", "kind": "301"},
            evidence={},
            checked_at=CHECKED_AT,
        ),
        RegistryCheck(
            registry="vies",
            number="DE123456788",
            status="mismatch",
            registered_name="FABRIKAM GMBH",
            registered_address="HAUPTSTR. 1\n10115 BERLIN",
            details={"differs": "name"},
            evidence={},
            checked_at=CHECKED_AT,
        ),
    ],
)


def lead_page(lang: str) -> str:
    """The lead page as the app renders it with a verification that asks for confirmation."""
    request = Request(
        {"type": "http", "method": "GET", "path": "/sales/leads/LEAD-1",
         "query_string": f"lang={lang}".encode(), "headers": [], "scheme": "http",
         "server": ("shop.example", 80), "root_path": ""}
    )  # fmt: skip
    response = render(
        request, "staff/sales/lead.html", lead=LEAD, processing=False, refresh=None,
        disqualify_reasons=["other"], verification=MISMATCH, needs_confirmation=True,
        information_requests=[],
        staff_user="rep@shop.example", reference="B2B-TEST",
        temporal_ui_url="http://temporal.example", namespace="default",
    )  # fmt: skip
    return bytes(response.body).decode()


@pytest.mark.parametrize(("lang", "locale", "label"), [
    ("en", "en-US", "I have seen the company verification's result and qualify the lead anyway"),
    ("ja", "ja-JP", "会社の確認結果を確認したうえで認定します"),
])  # fmt: skip
async def test_the_verification_on_the_lead_page_has_no_axe_violations(
    visitors: Visitors, lang: str, locale: str, label: str
) -> None:
    """The verdict, each registry's table beside the typed values, and the labelled box."""
    page = await visitors.new_page(locale)

    async def answer(route: Route) -> None:
        await route.fulfill(body=lead_page(lang), content_type="text/html; charset=utf-8")

    await page.route(LEAD_URL, answer)
    await page.goto(LEAD_URL)
    await expect(page.locator("#verification-status")).to_have_attribute("data-status", "closed")
    await expect(page.get_by_label(label)).to_be_visible()
    await Screens(f"lead-verification-{lang}").check(page, "lead-verification")
