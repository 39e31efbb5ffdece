"""The approvals story in Chromium, by label: an organization with two admins, an approver and
a buyer; the buyer's order over the approval threshold waits, the approver approves it on the
approvals page, and the buyer's next order, within the threshold but over the monthly budget,
waits with the reason `over_monthly_budget`."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, wait_for_email
from tests.approval_helpers import Member, hierarchy_of, member
from tests.browser_pages import Screens, Visitors, field
from tests.conftest import WebApp
from tests.test_purchases import PATH, STOREFRONT, partner

pytestmark = pytest.mark.browser


async def place(http: httpx.AsyncClient, buyer: Member, amount: str) -> dict[str, Any]:
    """The storefront asks for the buyer's order; its answer."""
    body = {
        "order_reference": f"ORD-{uuid.uuid4().hex[:12]}",
        "site_user_id": buyer.site_user_id,
        "amount": amount,
        "currency": "JPY",
    }
    answer = await http.post(PATH, json=body, headers=STOREFRONT)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def signed_in_page(visitors: Visitors, web: WebApp, person: Member) -> Page:
    page = await visitors.new_page("en-US")
    await page.goto(f"{web.url}/sign-in")
    await field(page, "Email").fill(person.email)
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name=re.compile("^My organization: "))).to_be_visible()
    return page


async def test_the_approver_approves_an_order_over_the_threshold_then_the_budget_holds_the_next(
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink, stores: Stores
) -> None:
    """Over the threshold: approved by the approver on the page; then over the monthly budget."""
    screens = Screens("approvals")
    requester = await partner(http, web, smtp, stores)
    hierarchy = await hierarchy_of(stores, requester["site_user_id"])
    await member(stores, hierarchy, "admin")
    approver = await member(stores, hierarchy, "approver")
    buyer = await member(stores, hierarchy, "buyer")
    await stores.commerce.execute(
        "UPDATE credit_limits SET approval_threshold = 50000 WHERE customer_id = $1",
        requester["customer_id"],
    )
    await stores.commerce.execute(
        "UPDATE site_users SET monthly_budget = 100000 WHERE id = $1", buyer.site_user_id
    )

    # The buyer's order above the threshold waits, and the approver is told by email.
    first = await place(http, buyer, "80000")
    assert (first["status"], first["reason"]) == ("needs_approval", "over_approval_threshold")
    reference = first["order_reference"]
    await wait_for_email(smtp, approver.email, reference)

    # The approver finds it on the approvals page and approves it.
    page = await signed_in_page(visitors, web, approver)
    await page.get_by_role("link", name="Approvals", exact=True).click()
    await expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
    row = page.locator("#approvals tbody tr", has_text=reference)
    await expect(row).to_contain_text("Above the approval threshold")
    await screens.check(page, "approvals")
    await row.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("status")).to_have_text("The order is approved.")
    await expect(page.locator("#approvals tbody tr", has_text=reference)).to_have_count(0)
    await screens.check(page, "approvals-after-approving")
    polled = (await http.get(f"{PATH}/{reference}", headers=STOREFRONT)).json()
    assert (polled["status"], polled["reason"]) == ("approved", None)

    # Away tomorrow: a day in the past is refused by name, then tomorrow is taken.
    await page.get_by_label("Delegate to (required)").select_option(label="Aiko Sato")
    await page.get_by_label("Until (YYYY-MM-DD) (required)").fill("2001-01-01")
    await page.get_by_role("button", name="Delegate", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("Until (YYYY-MM-DD)")
    await screens.check(page, "delegation-refused")
    tomorrow = await stores.commerce.fetchval(
        "SELECT ((now() AT TIME ZONE 'Asia/Tokyo')::date + 1)::text"
    )
    await page.get_by_label("Until (YYYY-MM-DD) (required)").fill(str(tomorrow))
    await page.get_by_role("button", name="Delegate", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Your approvals are delegated.")
    await expect(page.locator("#delegation")).to_contain_text(str(tomorrow))

    # Within the threshold, but with the approved order over the monthly budget: it waits.
    second = await place(http, buyer, "40000")
    assert (second["status"], second["reason"]) == ("needs_approval", "over_monthly_budget")

    # The same page in Japanese lists it, with its reason.
    await page.goto(f"{web.url}/organization/approvals?lang=ja")
    await expect(page.get_by_role("heading", name="注文の承認")).to_be_visible()
    waiting = page.locator("#approvals tbody tr", has_text=second["order_reference"])
    await expect(waiting).to_contain_text("月間予算を超過")
    await screens.check(page, "approvals-ja")
