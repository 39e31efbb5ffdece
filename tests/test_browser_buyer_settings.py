"""A buyer organization's admin in a browser: sets a user's role, spending limit and monthly
budget, and the organization's approval threshold, by label, in English and Japanese, every
page axe-clean."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import expect

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, activated_partner
from tests.browser_pages import Screens, Visitors, field
from tests.buyer_helpers import hierarchy_of, member
from tests.conftest import WebApp
from tests.member_helpers import user_id_of

pytestmark = pytest.mark.browser


async def test_admin_sets_roles_limits_budgets_and_the_threshold(
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink, stores: Stores
) -> None:
    """Role, Spending limit, Monthly budget and Approval threshold saved by label; a threshold
    above the credit limit is an error on its field; each page passes axe in both languages."""
    screens = Screens("buyer-settings")
    email = await activated_partner(http, web, smtp)
    buyer = await member(
        stores, await hierarchy_of(stores, await user_id_of(stores, email)), "buyer"
    )
    admin = await visitors.new_page("en-US")
    await admin.goto(f"{web.url}/sign-in")
    await field(admin, "Email").fill(email)
    await field(admin, "Password").fill(STRONG_PASSWORD)
    await admin.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(
        admin.get_by_role("heading", name=re.compile("^My organization: "))
    ).to_be_visible()

    await admin.goto(f"{web.url}/organization/users/{buyer}")
    await screens.check(admin, "user-page")
    await admin.get_by_label("Role", exact=True).select_option(label="Approver")
    await admin.get_by_label("Spending limit", exact=True).fill("5000")
    await admin.get_by_label("Monthly budget", exact=True).fill("20000")
    await admin.get_by_role("button", name="Save").first.click()
    await expect(admin).to_have_url(f"{web.url}/organization/users/{buyer}?done=saved")
    await expect(admin.get_by_label("Role", exact=True)).to_have_value("approver")
    await expect(admin.get_by_label("Monthly budget", exact=True)).to_have_value("20000")

    await admin.get_by_role("link", name="My organization").first.click()
    await admin.get_by_role("link", name="Organization settings").click()
    await expect(admin.get_by_role("heading", name="Organization settings")).to_be_visible()
    await screens.check(admin, "organization-settings")
    await admin.get_by_label("Approval threshold", exact=True).fill("2000000")
    await admin.get_by_role("button", name="Save").click()
    await expect(admin.locator("#approval_threshold-error")).to_be_visible()
    await screens.check(admin, "organization-settings-error")
    await admin.get_by_label("Approval threshold", exact=True).fill("30000")
    await admin.get_by_role("button", name="Save").click()
    await expect(admin.get_by_role("status")).to_have_text("The settings are saved.")
    await expect(admin.get_by_label("Approval threshold", exact=True)).to_have_value("30000")

    for path, name in (
        (f"/organization/users/{buyer}", "user-page"),
        ("/organization/settings", "organization-settings"),
    ):
        await admin.goto(f"{web.url}{path}?lang=ja")
        await screens.check(admin, f"{name}-ja")
    await expect(admin.get_by_label("承認の基準額", exact=True)).to_have_value("30000")
