"""The whole story in a browser, as people would play it (Playwright driving Chromium)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

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


class Screens:
    def __init__(self, story: str) -> None:
        self.folder = SCREENSHOTS / story
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    async def shot(self, page: Page, name: str) -> None:
        self.count += 1
        await page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)


async def test_partner_story_from_form_to_approval_email(
    browser: Browser, web: WebApp, mailbox_url: str
) -> None:
    """Request in Japanese, qualify and win in Sales, approved in Commerce, email received."""
    screens = Screens("approved-partner")
    company = f"株式会社テスト {uuid.uuid4().hex[:6]}"
    email = unique_email("hanako")
    page = await (await browser.new_context(locale="ja-JP")).new_page()
    page.set_default_timeout(10_000)

    # The requester on the B2B site.
    await page.goto(f"{web.url}/?lang=ja")
    await screens.shot(page, "landing")
    await page.get_by_role("link", name="ビジネスパートナーになる").click()
    await page.get_by_label("会社名").fill(company)
    await page.get_by_label(re.compile("^姓")).fill("山田")
    await page.get_by_label(re.compile("^名")).fill("花子")
    await page.get_by_label("メールアドレス").fill("not-an-email")
    await page.get_by_role("button", name="申し込む").click()
    await expect(page.locator("#contact-email-error")).to_be_visible()
    await expect(page.get_by_label("会社名")).to_have_value(company)
    await screens.shot(page, "form-with-error")
    await page.get_by_label("メールアドレス").fill(email)
    await page.get_by_label("郵便番号").fill("100-0005")
    await page.get_by_role("button", name="申し込む").click()
    await expect(page.get_by_role("heading", name="お申し込みを受け付けました")).to_be_visible()
    reference = await page.locator("#reference").inner_text()
    await screens.shot(page, "confirmation")

    # The salesperson in the Sales console, in a browser of their own.
    page = await (await browser.new_context(locale="en-US")).new_page()
    page.set_default_timeout(10_000)
    await page.goto(f"{web.url}/sales/leads?view=commerce-b2b")
    await page.get_by_label("Staff token").fill(web.staff_token)
    await page.get_by_label("Your name (email)").fill("rep@shop.example")
    await page.get_by_role("button", name="Staff sign-in").click()
    lead_link = page.get_by_role("link", name=f"B2B partner request: {company}")
    await expect(lead_link).to_be_visible()
    await screens.shot(page, "all-commerce-b2b-leads")
    await page.get_by_role("link", name="My open leads").click()
    await expect(page.get_by_role("heading", name="My open leads")).to_be_visible()
    await expect(page.get_by_text(company)).to_have_count(0)
    await screens.shot(page, "my-open-leads")
    await page.get_by_role("link", name="All Commerce B2B leads").click()
    await lead_link.click()
    await expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    await expect(page.get_by_text(re.compile("Created from Commerce prospect"))).to_be_visible()
    await screens.shot(page, "lead")
    await page.get_by_role("button", name="Qualify", exact=True).click()
    await expect(page.locator("#opportunity-link")).to_be_visible(timeout=15_000)
    await expect(page.locator("#lead-status")).to_have_text("qualified")
    await screens.shot(page, "lead-qualified")
    await page.locator("#opportunity-link").click()
    await page.get_by_role("button", name="Close as won").click()
    await expect(page.locator("#opportunity-status")).to_have_text("won", timeout=15_000)
    await screens.shot(page, "opportunity-won")

    # The back office in Commerce.
    await page.goto(f"{web.url}/commerce/prospects?status=approved")
    await page.get_by_role("link", name=reference).click()
    await expect(page.locator("#prospect-status")).to_have_text("approved")
    await screens.shot(page, "prospect-approved")
    await page.locator("#hierarchy-link").click()
    members = page.locator("#members tbody tr")
    await expect(members).to_have_count(1)
    await expect(members.first).to_contain_text("admin")
    await expect(members.first).to_contain_text(email)
    await expect(page.locator("#credit-limit")).to_have_text("1,000,000.00 JPY")
    await screens.shot(page, "customer-hierarchy")

    # The requester's mailbox.
    page = await (await browser.new_context(locale="ja-JP")).new_page()
    page.set_default_timeout(10_000)
    await page.goto(mailbox_url)
    approval = page.locator("tr", has_text=email).filter(has_text="承認されました")
    await approval.get_by_role("link").click()
    await expect(page.get_by_text("山田 花子 様")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"/activate\?user=USR-"))).to_be_visible()
    await screens.shot(page, "approval-email")
