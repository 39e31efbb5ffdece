"""The lead page while Sales records a decision, in a browser: it passes axe-core and loads
the lead again by itself once the decision shows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect
from starlette.requests import Request

from starter.common.rendering import render
from tests.browser_pages import Screens, Visitors

pytestmark = pytest.mark.browser


LEAD: dict[str, Any] = {
    "id": "LEAD-1", "reference": "B2B-TEST", "topic": "B2B partner request: Fabrikam",
    "status": "open", "status_reason": None, "origin": "commerce-b2b", "owner": None,
    "opportunity_id": None, "first_name": "Ken", "last_name": "Ito",
    "email": "ken@fabrikam.example", "phone": None, "job_title": None, "company_name": "Fabrikam",
    "company_website": None, "company_phone": None, "company_tax_id": None, "postal_code": None,
    "address_line1": None, "city": None, "country": None, "comments": None, "timeline": [],
}  # fmt: skip
LEAD_URL = "http://shop.example/sales/leads/LEAD-1"


def lead_page(status: str, processing: bool) -> str:
    """The lead page as the app renders it.

    A decision waits for the Sales record only a moment on a live system, too short to catch,
    so these tests serve the page themselves.
    """
    request = Request(
        {"type": "http", "method": "GET", "path": "/sales/leads/LEAD-1", "query_string": b"",
         "headers": [], "scheme": "http", "server": ("shop.example", 80), "root_path": ""}
    )  # fmt: skip
    response = render(
        request, "staff/sales/lead.html", lead={**LEAD, "status": status},
        processing=processing, refresh=1 if processing else None, disqualify_reasons=["other"],
        information_requests=[],
        staff_user="rep@shop.example", reference="B2B-TEST",
        temporal_ui_url="http://temporal.example", namespace="default",
    )  # fmt: skip
    return bytes(response.body).decode()


async def serve_lead_until_recorded(page: Page, answers_before_recorded: int) -> None:
    """Answer with the waiting page a few times, then with the lead as Sales records it."""
    answers = iter([lead_page("open", processing=True)] * answers_before_recorded)

    async def answer(route: Route) -> None:
        body = next(answers, None) or lead_page("qualified", processing=False)
        await route.fulfill(body=body, content_type="text/html; charset=utf-8")

    await page.route(LEAD_URL, answer)


async def test_lead_waiting_for_sales_has_no_axe_violations(visitors: Visitors) -> None:
    """The page shown while Sales records a decision passes axe-core (no timed refresh)."""
    page = await visitors.new_page("en-US")
    await serve_lead_until_recorded(page, answers_before_recorded=1_000)
    await page.goto(LEAD_URL)
    await expect(page.get_by_role("status")).to_have_text(re.compile("^Processing"))
    await Screens("waiting-lead").check(page, "lead-processing")


async def test_lead_waiting_for_sales_shows_the_decision_once_recorded(visitors: Visitors) -> None:
    """The waiting page loads the lead again by itself once Sales shows the decision."""
    page = await visitors.new_page("en-US")
    await serve_lead_until_recorded(page, answers_before_recorded=1)
    await page.goto(LEAD_URL)
    await expect(page.locator("#lead-status")).to_have_text("qualified")
    await expect(page.get_by_role("status")).to_have_count(0)
