"""The hierarchy page's partner flags in a browser: axe-core finds nothing wrong with an open
flag, a refused clearing or a cleared flag, in English and Japanese."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect
from starlette.requests import Request

from starter.common.rendering import render
from tests.browser_pages import Screens, Visitors

pytestmark = pytest.mark.browser

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
HIERARCHY: dict[str, Any] = {
    "id": "HIE-1", "name": "Contoso Ltd", "purpose": "B2B organization",
    "organization_name": "Contoso Ltd", "organization_customer_id": "CUS-1",
    "credit_limit_amount": None, "credit_limit_currency": None, "reference": "B2B-TEST",
}  # fmt: skip
FLAG: dict[str, Any] = {
    "id": 7, "hierarchy_id": "HIE-1", "registry": "nta_corporate", "number": "8700110005901",
    "status": "closed", "registered_name": "コントソ株式会社",
    "registered_address": "東京都千代田区丸の内１丁目２－３",
    "details": {"closed_on": "2026-11-30", "close_cause": "merged"},
    "evidence_text": '{"closeDate": "2026-11-30", "closeCause": "11"}', "checked_at": AT,
    "raised_at": AT, "cleared_at": None, "cleared_by_name": None, "clear_reason": None,
}  # fmt: skip
CLEARED = {
    **FLAG, "id": 6, "status": "registration_cancelled", "registry": "nta_invoice",
    "cleared_at": AT, "cleared_by_name": "Rep Flags", "clear_reason": "Re-registered",
}  # fmt: skip
PAGE_URL = "http://shop.example/commerce/customer-hierarchies/HIE-1"


def hierarchy_page(lang: str, refused: bool) -> str:
    """The page as the app renders it, served by the test: the story is the page itself."""
    request = Request(
        {"type": "http", "method": "GET", "path": "/commerce/customer-hierarchies/HIE-1",
         "query_string": f"lang={lang}".encode(), "headers": [], "scheme": "http",
         "server": ("shop.example", 80), "root_path": ""}
    )  # fmt: skip
    response = render(
        request, "staff/commerce/hierarchy.html", 422 if refused else 200,
        hierarchy=HIERARCHY, members=[], audit=[], link_buttons={}, credit=None,
        limit_changes=[], ledger=[], flags=[FLAG, CLEARED],
        flag_error={"id": 7, "reason": ""} if refused else None, flag_cleared=False,
        limit_problems=[], errors={}, values={"amount": "", "reason": ""},
        staff_user="rep@shop.example", reference="B2B-TEST",
        temporal_ui_url="http://temporal.example", namespace="default",
    )  # fmt: skip
    return bytes(response.body).decode()


async def open_page(page: Page, lang: str, refused: bool) -> None:
    async def answer(route: Route) -> None:
        await route.fulfill(
            body=hierarchy_page(lang, refused), content_type="text/html; charset=utf-8"
        )

    await page.route(f"{PAGE_URL}?lang={lang}", answer)
    await page.goto(f"{PAGE_URL}?lang={lang}")


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_flags_pass_axe(visitors: Visitors, lang: str) -> None:
    """An open flag with its clearing form and a cleared one have no axe-core violation."""
    page = await visitors.new_page()
    await open_page(page, lang, refused=False)
    name = "Clear the flag" if lang == "en" else "フラグを解除"
    await expect(page.get_by_role("button", name=name)).to_have_count(1)
    await Screens("partner-flags").check(page, f"flags-{lang}")


async def test_a_refused_clearing_passes_axe_and_names_the_field(visitors: Visitors) -> None:
    """The error summary links to the reason, which says what is wrong."""
    page = await visitors.new_page()
    await open_page(page, "en", refused=True)
    await expect(page.get_by_role("link", name="Reason: say why")).to_be_visible()
    await expect(page.get_by_label("Reason (required)")).to_have_attribute("aria-invalid", "true")
    await Screens("partner-flags").check(page, "flag-refused")
