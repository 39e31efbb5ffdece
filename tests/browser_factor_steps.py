"""A staff member's second factor in the browser: enrol from the setup key the page shows,
then type a code from the app, as a person with an authenticator app would."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.account_helpers import STRONG_PASSWORD
from tests.browser_pages import Screens, field
from tests.staff_factor_helpers import Authenticator, secret_of


async def enrol_in_browser(page: Page, screens: Screens | None = None) -> Authenticator:
    """On the enrolment page after the password: type the setup key into the app, enter its
    code, keep the recovery codes and continue; the app."""
    await expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    app = Authenticator(secret_of(await page.locator("#setup-key").inner_text()))
    if screens is not None:
        await screens.check(page, "staff-enrolment")
    await field(page, "Authentication code").fill(await app.code())
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    app.recovery_codes = await page.locator("#recovery-codes code").all_inner_texts()
    if screens is not None:
        await screens.check(page, "staff-recovery-codes")
    await page.get_by_role("link", name="Continue").click()
    return app


async def staff_sign_in(page: Page, email: str) -> None:
    """Sign in on the staff sign-in page `page` shows, with the password only."""
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    await field(page, "Email").fill(email)
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def enter_code(page: Page, code: str) -> None:
    await expect(page.get_by_role("heading", name="Enter your authentication code")).to_be_visible()
    await field(page, "Authentication code").fill(code)
    await page.get_by_role("button", name="Verify").click()
