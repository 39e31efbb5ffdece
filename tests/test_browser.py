"""The whole story in a browser, as people would play it (Playwright driving Chromium):
from the request to the approval email. The partner's first sign-in, their users and orders
follow in test_browser_partners.py and test_browser_partner_users.py.

Every page of the site and the staff console that the story shows is also checked with
axe-core, as it is at that moment (errors shown, decisions made).
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from plumbing.stores import Stores
from tests.account_helpers import OTHER_PASSWORD, STRONG_PASSWORD, staff_link
from tests.browser_factor_steps import enrol_in_browser
from tests.browser_pages import Screens, Visitors, field, set_password_from_link
from tests.conftest import WebApp
from tests.factories import unique_email

pytestmark = pytest.mark.browser


async def test_partner_story_from_form_to_approval_email(
    visitors: Visitors, web: WebApp, stores: Stores, mailbox_url: str
) -> None:
    """Request in Japanese, qualify and win in Sales, approved in Commerce, email received."""
    screens = Screens("approved-partner")
    company = f"株式会社テスト {uuid.uuid4().hex[:6]}"
    email = unique_email("hanako")
    page = await visitors.new_page("ja-JP")

    # The requester on the B2B site.
    await page.goto(f"{web.url}/?lang=ja")
    await screens.check(page, "landing")
    await page.get_by_role("link", name="ビジネスパートナーになる").click()
    await expect(page.get_by_role("heading", name="ビジネスパートナーのお申し込み")).to_be_visible()
    await screens.check(page, "form")
    await page.get_by_label("会社名").fill(company)
    await page.get_by_label(re.compile("^姓")).fill("山田")
    await page.get_by_label(re.compile("^名")).fill("花子")
    await page.get_by_label("メールアドレス").fill("not-an-email")
    await page.get_by_role("button", name="申し込む").click()
    summary = page.get_by_role("alert", name="入力内容を確認してください。")
    await expect(summary).to_be_focused()
    await expect(page.get_by_label("メールアドレス")).to_have_accessible_description(
        "形式が正しくありません。"
    )
    await expect(page.get_by_label("会社名")).to_have_value(company)
    await screens.check(page, "form-with-error")
    await summary.get_by_role("link", name=re.compile("^メールアドレス")).click()
    await expect(page.get_by_label("メールアドレス")).to_be_focused()
    await page.get_by_label("メールアドレス").fill(email)
    await page.get_by_label("郵便番号").fill("100-0005")
    await page.get_by_role("button", name="申し込む").click()
    await expect(page.get_by_role("heading", name="お申し込みを受け付けました")).to_be_visible()
    reference = await page.locator("#reference").inner_text()
    await screens.check(page, "confirmation")
    await page.get_by_role("link", name=f"/partner/status/{reference}").click()
    await expect(page.get_by_role("heading", name="お申し込みの状況")).to_be_visible()
    status_page = page.url
    await screens.check(page, "status")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Status of your request")).to_be_visible()
    assert page.url == f"{status_page}&lang=en"
    await screens.check(page, "status-in-english")

    # The salesperson in the Sales console, in a browser of their own, with a new account.
    rep = f"Rep {uuid.uuid4().hex[:6]}"
    rep_email, activation = await staff_link(stores, web, rep)
    page = await visitors.new_page("en-US")
    await set_password_from_link(
        page, f"{web.url}{activation}", STRONG_PASSWORD, screens, "staff-activation"
    )
    await page.goto(f"{web.url}/sales/leads?view=commerce-b2b")
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    await screens.check(page, "sign-in")
    await field(page, "Email").fill(rep_email)
    await field(page, "Password").fill(OTHER_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_focused()
    await expect(field(page, "Password")).to_have_accessible_description(
        "The email or the password is not right."
    )
    await screens.check(page, "sign-in-refused")
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    # Staff enrol a second factor at their first sign-in, then land where they were going.
    await enrol_in_browser(page, screens)
    await expect(page.get_by_role("banner")).to_contain_text(rep)
    lead_link = page.get_by_role("link", name=f"B2B partner request: {company}")
    await expect(lead_link).to_be_visible()
    await screens.check(page, "all-commerce-b2b-leads")
    await page.get_by_role("link", name="My open leads").click()
    await expect(page.get_by_role("heading", name="My open leads")).to_be_visible()
    await expect(page.get_by_text(company)).to_have_count(0)
    await screens.check(page, "my-open-leads")
    await page.get_by_role("link", name="All Commerce B2B leads").click()
    await lead_link.click()
    await expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    await expect(page.get_by_text(re.compile("Created from Commerce prospect"))).to_be_visible()
    await screens.check(page, "lead")
    await page.get_by_role("button", name="Qualify", exact=True).click()
    await expect(page.locator("#opportunity-link")).to_be_visible(timeout=15_000)
    await expect(page.locator("#lead-status")).to_have_text("qualified")
    await expect(page.get_by_text(f"Qualified by {rep};")).to_be_visible()
    await screens.check(page, "lead-qualified")
    await page.locator("#opportunity-link").click()
    await expect(page.get_by_role("button", name="Close as won")).to_be_visible()
    await screens.check(page, "opportunity")
    await page.get_by_role("button", name="Close as won").click()
    await expect(page.locator("#opportunity-status")).to_have_text("won", timeout=15_000)
    await screens.check(page, "opportunity-won")

    # The back office in Commerce.
    await page.get_by_role("link", name="All prospects").click()
    await page.get_by_label("Status").select_option("approved")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("link", name=reference)).to_be_visible()
    await screens.check(page, "approved-prospects")
    await page.get_by_role("link", name=reference).click()
    await expect(page.locator("#prospect-status")).to_have_text("approved")
    await screens.check(page, "prospect-approved")
    await page.locator("#hierarchy-link").click()
    members = page.locator("#members tbody tr")
    await expect(members).to_have_count(1)
    await expect(members.first).to_contain_text("admin")
    await expect(members.first).to_contain_text(email)
    await expect(page.locator("#credit-limit")).to_have_text("1,000,000 JPY")
    await screens.check(page, "customer-hierarchy")

    # The requester's mailbox: the test's stand-in for a mail client, not a page of ours.
    page = await visitors.new_page("ja-JP")
    await page.goto(mailbox_url)
    approval = page.locator("tr", has_text=email).filter(has_text="承認されました")
    await approval.get_by_role("link").click()
    await expect(page.get_by_text("山田 花子 様")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"/activate\?token="))).to_be_visible()
    await screens.shot(page, "approval-email")
