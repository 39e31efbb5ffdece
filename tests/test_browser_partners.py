"""A partner's first sign-in in a browser, in each language: the approval email's link sets a
password once, then the partner signs in, sees the organization and signs out."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import expect

from devstack.smtp import SmtpSink
from tests.account_helpers import STRONG_PASSWORD, link_in, wait_for_email
from tests.api_helpers import poll, request_body
from tests.browser_pages import Screens, Visitors, field
from tests.conftest import WebApp

pytestmark = pytest.mark.browser


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
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink, words: Words
) -> None:
    """The approval link sets a password once; the partner signs in, sees the limit, signs out."""
    screens = Screens(f"activated-partner-{words.lang}")
    company = f"{words.company} {uuid.uuid4().hex[:6]}"
    email = await approved_partner_in(http, web, words, company)
    [approval] = await wait_for_email(smtp, email, words.approved_subject)
    activation = link_in(approval)
    assert re.fullmatch(r"/activate\?token=[A-Za-z0-9_-]{43}", activation), activation
    page = await visitors.new_page(words.browser_locale)

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
