"""A partner user turns on a second factor from their account page in a browser (Playwright
driving Chromium), then signs in with a code; each page is checked with axe-core."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from devstack.smtp import SmtpSink
from tests.account_helpers import STRONG_PASSWORD, activated_partner
from tests.browser_factor_steps import enter_code
from tests.browser_pages import Screens, Visitors, field
from tests.conftest import WebApp
from tests.staff_factor_helpers import Authenticator, secret_of

pytestmark = pytest.mark.browser


async def test_a_partner_user_turns_the_factor_on_and_signs_in_with_a_code(
    visitors: Visitors, web: WebApp, smtp: SmtpSink
) -> None:
    """From "My organization" to the account page, the setup key into the app, a code; the
    next sign-in asks for a fresh code."""
    screens = Screens("partner-second-factor")
    async with httpx.AsyncClient(base_url=web.url) as http:
        email = await activated_partner(http, web, smtp)
    page = await visitors.new_page()
    await page.goto(f"{web.url}/sign-in?lang=en")
    await field(page, "Email").fill(email)
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Two-step verification").first.click()
    await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    await screens.check(page, "account-factor-off")
    app = Authenticator(secret_of(await page.locator("#setup-key").inner_text()))
    await field(page, "Authentication code").fill(await app.code())
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    await screens.check(page, "recovery-codes")
    await page.get_by_role("link", name="Continue").click()
    await expect(page.get_by_role("status")).to_have_text("Two-step verification is on.")
    await screens.check(page, "account-factor-on")
    await page.goto(f"{web.url}/organization")
    await page.get_by_role("button", name="Sign out").click()
    await page.goto(f"{web.url}/sign-in")
    await field(page, "Email").fill(email)
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await screens.check(page, "code-at-sign-in")
    await enter_code(page, await app.code())
    await expect(page.locator("#organization-name")).to_be_visible()
