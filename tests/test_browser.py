"""The whole story in a browser, as people would play it (Playwright driving Chromium):
from the request to the approval email, then the partner's first sign-in in each language.

Every page of the site and the staff console that the story shows is also checked with
axe-core, as it is at that moment (errors shown, decisions made).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

# The package ships no type information; only Axe.run is used, and its result is read as JSON.
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, Locator, Page, Route, async_playwright, expect
from starlette.requests import Request

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from starter.common.rendering import render
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    activated_partner,
    link_in,
    staff_link,
    wait_for_email,
)
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp
from tests.factories import unique_email

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
# Without these Chromium reaches for Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest_asyncio.fixture(loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


def axe_report(violations: list[dict[str, Any]]) -> str:
    """One line per rule broken: its id, impact, help and the elements that break it."""
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    )


class Screens:
    def __init__(self, story: str) -> None:
        self.folder = SCREENSHOTS / story
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.axe = Axe()

    async def shot(self, page: Page, name: str) -> None:
        self.count += 1
        await page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)

    async def check(self, page: Page, name: str) -> None:
        """A screenshot of one of our pages, and no axe-core violation on it."""
        await self.shot(page, name)
        results = await self.axe.run(page)
        violations: list[dict[str, Any]] = results.response["violations"]
        assert not violations, f"axe-core on {name} ({page.url}):\n{axe_report(violations)}"


def field(page: Page, label: str, required: str = "required") -> Locator:
    """A required form field by its whole label ("New password" is also in "Repeat the new
    password")."""
    return page.get_by_label(f"{label} ({required})", exact=True)


async def test_partner_story_from_form_to_approval_email(
    browser: Browser, web: WebApp, stores: Stores, mailbox_url: str
) -> None:
    """Request in Japanese, qualify and win in Sales, approved in Commerce, email received."""
    screens = Screens("approved-partner")
    company = f"株式会社テスト {uuid.uuid4().hex[:6]}"
    email = unique_email("hanako")
    page = await (await browser.new_context(locale="ja-JP")).new_page()
    page.set_default_timeout(10_000)

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
    page = await (await browser.new_context(locale="en-US")).new_page()
    page.set_default_timeout(10_000)
    await page.goto(f"{web.url}{activation}")
    await expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
    await screens.check(page, "staff-activation")
    await field(page, "New password").fill(STRONG_PASSWORD)
    await field(page, "Repeat the new password").fill(STRONG_PASSWORD)
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_role("status")).to_have_text("Your password is set. Please sign in.")
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
    page = await (await browser.new_context(locale="ja-JP")).new_page()
    page.set_default_timeout(10_000)
    await page.goto(mailbox_url)
    approval = page.locator("tr", has_text=email).filter(has_text="承認されました")
    await approval.get_by_role("link").click()
    await expect(page.get_by_text("山田 花子 様")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"/activate\?token="))).to_be_visible()
    await screens.shot(page, "approval-email")


@dataclass(frozen=True)
class Words:
    """What a partner reads and clicks on the way from the approval email to sign-out."""

    lang: str
    browser_locale: str
    company: str
    approved_subject: str
    required: str
    set_password_title: str
    new_password: str
    repeat_password: str
    set_password: str
    has_errors: str
    common_password: str
    password_set: str
    link_unusable: str
    email: str
    send_link: str
    account_menu: str
    sign_in: str
    password: str
    organization: str
    sign_out: str
    signed_out: str


JAPANESE = Words(
    lang="ja", browser_locale="ja-JP", company="株式会社テスト", approved_subject="承認されました",
    required="必須", set_password_title="パスワードの設定", new_password="新しいパスワード",
    repeat_password="新しいパスワード (確認)", set_password="パスワードを設定",
    has_errors="入力内容を確認してください。",
    common_password="よく使われるパスワードです。推測されにくいフレーズにしてください。",
    password_set="パスワードを設定しました。サインインしてください。",
    link_unusable="このリンクは使えません", email="メールアドレス", send_link="リンクを送る",
    account_menu="アカウント", sign_in="サインイン", password="パスワード", organization="組織",
    sign_out="サインアウト", signed_out="サインアウトしました。",
)  # fmt: skip
ENGLISH = Words(
    lang="en", browser_locale="en-US", company="Fabrikam Trading", approved_subject="approved",
    required="required", set_password_title="Set your password", new_password="New password",
    repeat_password="Repeat the new password", set_password="Set password",
    has_errors="Please check the fields below.",
    common_password="This password is too common. Choose a phrase others would not guess.",
    password_set="Your password is set. Please sign in.",
    link_unusable="This link no longer works", email="Email", send_link="Send me a link",
    account_menu="Account", sign_in="Sign in", password="Password",
    organization="My organization", sign_out="Sign out", signed_out="You have signed out.",
)  # fmt: skip


async def approved_partner_in(
    http: httpx.AsyncClient, web: WebApp, words: Words, company: str
) -> str:
    """Submit a request in the partner's language and win it through the API; their email."""
    body = request_body(words.lang)
    body["company"]["name"] = company
    submitted = await http.post("/api/onboarding-requests", json=body)
    assert submitted.status_code == 202, submitted.text
    onboarding_path = f"/api/onboarding-requests/{submitted.json()['reference']}"
    lead_id = (await poll(http, web, onboarding_path, "lead_id"))["lead_id"]
    qualified = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert qualified.status_code == 202, qualified.text
    opportunity_id = (await poll(http, web, onboarding_path, "opportunity_id"))["opportunity_id"]
    await poll(http, web, f"/api/sales/leads/{lead_id}", "opportunity_id")
    won = await http.post(
        f"/api/sales/opportunities/{opportunity_id}/close",
        json={"outcome": "won"},
        headers=web.staff(),
    )
    assert won.status_code == 202, won.text
    email: str = body["contact"]["email"]
    return email


@pytest.mark.parametrize("words", [JAPANESE, ENGLISH], ids=["ja", "en"])
async def test_approved_partner_sets_a_password_then_signs_in_and_out(
    browser: Browser, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink, words: Words
) -> None:
    """The approval link sets a password once; the partner signs in, sees the limit, signs out."""
    screens = Screens(f"activated-partner-{words.lang}")
    company = f"{words.company} {uuid.uuid4().hex[:6]}"
    email = await approved_partner_in(http, web, words, company)
    [approval] = await wait_for_email(smtp, email, words.approved_subject)
    activation = link_in(approval)
    assert re.fullmatch(r"/activate\?token=[A-Za-z0-9_-]{43}", activation), activation
    page = await (await browser.new_context(locale=words.browser_locale)).new_page()
    page.set_default_timeout(10_000)

    # The approval email's link: a weak password is refused, a strong one is set.
    await page.goto(f"{web.url}{activation}")
    await expect(page.get_by_role("heading", name=words.set_password_title)).to_be_visible()
    await expect(page.locator("#link-holder")).to_contain_text(email)
    await expect(page.locator("#link-holder")).to_contain_text(company)
    await screens.check(page, "activation")
    new_password = field(page, words.new_password, words.required)
    repeat_password = field(page, words.repeat_password, words.required)
    await new_password.fill("passwordpassword123")
    await repeat_password.fill("passwordpassword123")
    await page.get_by_role("button", name=words.set_password).click()
    await expect(page.get_by_role("alert", name=words.has_errors)).to_be_focused()
    await expect(new_password).to_have_accessible_description(words.common_password)
    await screens.check(page, "weak-password-refused")
    await new_password.fill(STRONG_PASSWORD)
    await repeat_password.fill(STRONG_PASSWORD)
    await page.get_by_role("button", name=words.set_password).click()
    await expect(page.get_by_role("status")).to_have_text(words.password_set)
    await screens.check(page, "password-set")

    # The same link again: it no longer works, and offers to send a new one.
    spent = await page.goto(f"{web.url}{activation}")
    assert spent is not None
    assert spent.status == 410
    await expect(page.get_by_role("heading", name=words.link_unusable)).to_be_visible()
    await expect(field(page, words.email, words.required)).to_be_visible()
    await expect(page.get_by_role("button", name=words.send_link)).to_be_visible()
    await screens.check(page, "link-no-longer-works")

    # Sign in from the header, see the organization, sign out.
    account_menu = page.get_by_role("navigation", name=words.account_menu)
    await account_menu.get_by_role("link", name=words.sign_in).click()
    await expect(page.get_by_role("heading", name=words.sign_in)).to_be_visible()
    await screens.check(page, "sign-in")
    await field(page, words.email, words.required).fill(email)
    await field(page, words.password, words.required).fill(STRONG_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name=words.sign_in).click()
    organization = page.get_by_role("heading", name=f"{words.organization}: {company}")
    await expect(organization).to_be_visible()
    await expect(page.locator("#credit-limit")).to_have_text("1,000,000 JPY")
    await expect(page.locator("#members")).to_contain_text(email)
    await screens.check(page, "organization")
    await account_menu.get_by_role("button", name=words.sign_out).click()
    await expect(page.get_by_role("status")).to_have_text(words.signed_out)
    await expect(account_menu.get_by_role("link", name=words.sign_in)).to_be_visible()
    await expect(account_menu.get_by_role("button", name=words.sign_out)).to_have_count(0)
    await screens.check(page, "signed-out")


async def test_admin_invites_a_user_limits_their_spending_then_removes_them(
    browser: Browser, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    """The admin invites a user, who signs in without admin rights, then is limited and removed."""
    screens = Screens("partner-users")
    admin_email = await activated_partner(http, web, smtp)
    invitee_email = unique_email("ken.ito")
    admin = await (await browser.new_context(locale="en-US")).new_page()
    admin.set_default_timeout(10_000)

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
    invitee = await (await browser.new_context(locale="en-US")).new_page()
    invitee.set_default_timeout(10_000)
    await invitee.goto(f"{web.url}{link_in(invitation)}")
    await expect(invitee.get_by_role("heading", name="Set your password")).to_be_visible()
    await screens.check(invitee, "invitation-link")
    await field(invitee, "New password").fill(STRONG_PASSWORD)
    await field(invitee, "Repeat the new password").fill(STRONG_PASSWORD)
    await invitee.get_by_role("button", name="Set password").click()
    await expect(invitee.get_by_role("status")).to_have_text(
        "Your password is set. Please sign in."
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
    browser: Browser, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink, stores: Stores
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
    page = await (await browser.new_context(locale="en-US")).new_page()
    page.set_default_timeout(10_000)

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


async def test_lead_waiting_for_sales_has_no_axe_violations(browser: Browser) -> None:
    """The page shown while Sales records a decision passes axe-core (no timed refresh)."""
    page = await (await browser.new_context(locale="en-US")).new_page()
    await serve_lead_until_recorded(page, answers_before_recorded=1_000)
    await page.goto(LEAD_URL)
    await expect(page.get_by_role("status")).to_have_text(re.compile("^Processing"))
    await Screens("waiting-lead").check(page, "lead-processing")


async def test_lead_waiting_for_sales_shows_the_decision_once_recorded(browser: Browser) -> None:
    """The waiting page loads the lead again by itself once Sales shows the decision."""
    page = await (await browser.new_context(locale="en-US")).new_page()
    await serve_lead_until_recorded(page, answers_before_recorded=1)
    await page.goto(LEAD_URL)
    await expect(page.locator("#lead-status")).to_have_text("qualified")
    await expect(page.get_by_role("status")).to_have_count(0)
