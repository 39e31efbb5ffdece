"""A partner's admin in a browser: invites a user, limits their spending, removes them, and
approves an order over a spending limit."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, activated_partner, link_in, wait_for_email
from tests.browser_pages import Screens, Visitors, field, set_password_from_link
from tests.conftest import WebApp
from tests.factories import unique_email

pytestmark = pytest.mark.browser


async def test_admin_invites_a_user_limits_their_spending_then_removes_them(
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    """The admin invites a user, who signs in without admin rights, then is limited and removed."""
    screens = Screens("partner-users")
    admin_email = await activated_partner(http, web, smtp)
    invitee_email = unique_email("ken.ito")
    admin = await visitors.new_page("en-US")

    # The admin signs in and invites a user, with no spending limit.
    await admin.goto(f"{web.url}/sign-in")
    await field(admin, "Email").fill(admin_email)
    await field(admin, "Password").fill(STRONG_PASSWORD)
    await admin.get_by_role("main").get_by_role("button", name="Sign in").click()
    organization = admin.get_by_role("heading", name=re.compile("^My organization: "))
    await expect(organization).to_be_visible()
    company = await admin.locator("#organization-name").inner_text()
    await admin.get_by_role("link", name="Add a user").click()
    await expect(admin.get_by_role("heading", name="Add a user")).to_be_visible()
    await expect(admin).to_have_url(f"{web.url}/organization/users/new")
    await screens.check(admin, "add-a-user")
    await field(admin, "First name").fill("Ken")
    await field(admin, "Last name").fill("Ito")
    await field(admin, "Email").fill(invitee_email)
    await expect(admin.get_by_label("Spending limit", exact=True)).to_have_value("")
    await admin.get_by_role("button", name="Send invitation").click()
    await expect(admin.get_by_role("status")).to_have_text("The invitation is on its way.")
    await expect(admin).to_have_url(f"{web.url}/organization?done=invited")

    # The invitation's run records the user, then sends the email: once it is here, the
    # organization's page lists the user as invited.
    [invitation] = await wait_for_email(smtp, invitee_email, "invites you")
    await admin.reload()
    invitee_row = admin.locator("#members tbody tr", has_text=invitee_email)
    await expect(invitee_row).to_contain_text("Invited")
    await screens.check(admin, "organization-with-invitation")

    # The invitee, in a browser of their own: the link sets a password, then they sign in.
    invitee = await visitors.new_page("en-US")
    await set_password_from_link(
        invitee, f"{web.url}{link_in(invitation)}", STRONG_PASSWORD, screens, "invitation-link"
    )
    account_menu = invitee.get_by_role("navigation", name="Account")
    await account_menu.get_by_role("link", name="Sign in").click()
    await field(invitee, "Email").fill(invitee_email)
    await field(invitee, "Password").fill(STRONG_PASSWORD)
    await invitee.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(invitee.get_by_role("heading", name=f"My organization: {company}")).to_be_visible()
    await expect(invitee.get_by_role("link", name="Add a user")).to_have_count(0)
    await screens.check(invitee, "organization-of-a-user")

    # The admin gives the user a spending limit.
    await admin.reload()
    await expect(invitee_row).to_contain_text("Active")
    invitee_name = await invitee_row.get_by_role("link").inner_text()
    await invitee_row.get_by_role("link").click()
    await expect(admin.get_by_role("heading", name=invitee_name, exact=True)).to_be_visible()
    await expect(admin).to_have_url(
        re.compile(rf"^{re.escape(web.url)}/organization/users/[^/?]+$")
    )
    user_page = admin.url
    await screens.check(admin, "user")
    await admin.get_by_label("Spending limit", exact=True).fill("50000")
    await admin.get_by_role("button", name="Save").click()
    await expect(admin).to_have_url(f"{user_page}?done=saved")
    await admin.get_by_role("main").get_by_role("link", name="My organization").click()
    await expect(invitee_row).to_contain_text("50,000 JPY")
    await screens.check(admin, "organization-with-spending-limit")

    # The admin removes the user: the user's open page sends them to sign in, and they cannot.
    await admin.goto(user_page)
    await admin.get_by_role("button", name="Remove").click()
    await expect(admin.locator("#user-status")).to_have_text("Removed")
    await screens.check(admin, "user-removed")
    await invitee.reload()
    await expect(invitee.get_by_role("heading", name="Sign in")).to_be_visible()
    await field(invitee, "Email").fill(invitee_email)
    await field(invitee, "Password").fill(STRONG_PASSWORD)
    await invitee.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(invitee.get_by_role("alert")).to_be_focused()
    await expect(field(invitee, "Password")).to_have_accessible_description(
        "The email or the password is not right."
    )
    await screens.check(invitee, "removed-user-sign-in-refused")


PURCHASES = "/api/partner/purchase-authorizations"
STOREFRONT = {"Authorization": "Bearer storefront-token-for-tests"}


async def test_admin_approves_an_order_over_a_spending_limit(
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink, stores: Stores
) -> None:
    """An order over the spending limit waits for the admin, whose Approve reserves the credit."""
    screens = Screens("order-approval")
    email = await activated_partner(http, web, smtp)
    user_id = await stores.commerce.fetchval(
        "SELECT id FROM site_users WHERE lower(email) = $1", email.lower()
    )
    assert user_id is not None
    # The admin ordering over their own limit is the simplest order awaiting approval.
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = 5000 WHERE id = $1", user_id
    )
    reference = f"ORD-{uuid.uuid4().hex[:12]}"
    body = {"order_reference": reference, "site_user_id": user_id, "amount": "8000",
            "currency": "JPY"}  # fmt: skip
    placed = await http.post(PURCHASES, json=body, headers=STOREFRONT)
    assert placed.status_code == 200, placed.text
    assert placed.json()["status"] == "needs_approval"
    page = await visitors.new_page("en-US")

    # The admin signs in and finds the order waiting on their organization's page.
    await page.goto(f"{web.url}/sign-in")
    await field(page, "Email").fill(email)
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Orders awaiting approval")).to_be_visible()
    waiting = page.locator("#awaiting-approval tbody tr")
    await expect(waiting).to_have_count(1)
    await expect(waiting).to_contain_text(reference)
    await expect(waiting).to_contain_text("8,000 JPY")
    await screens.check(page, "order-awaiting-approval")

    # Approve: the order leaves the table, and the storefront sees it approved.
    await page.get_by_role("button", name=f"Approve {reference}", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("The order is approved.")
    await expect(waiting).to_have_text(["No order is waiting."])
    await screens.check(page, "order-approved")
    polled = await http.get(f"{PURCHASES}/{reference}", headers=STOREFRONT)
    assert polled.status_code == 200, polled.text
    assert polled.json()["status"] == "approved"

    # The credit ledger shows the amount reserved for the order.
    await page.get_by_role("link", name="Credit ledger").click()
    await expect(page.get_by_role("heading", name="Credit ledger")).to_be_visible()
    await expect(page.locator("#available-credit")).to_have_text("992,000 JPY")
    ledger_row = page.locator("#credit-ledger tbody tr", has_text=reference)
    await expect(ledger_row).to_have_count(1)
    await expect(ledger_row).to_contain_text("Reserved")
    await expect(ledger_row).to_contain_text("8,000 JPY")
    await screens.check(page, "credit-ledger")
