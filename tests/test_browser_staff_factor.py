"""The staff second factor in a browser (Playwright driving Chromium): enrolment from the
setup key, a code at the next sign-in, the console closed until then, a replayed code, and a
member disabled while their page is open. Each page is checked with axe-core."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, set_password, staff_link
from tests.browser_factor_steps import enrol_in_browser, enter_code, staff_sign_in
from tests.browser_pages import Screens, Visitors, field
from tests.conftest import WebApp
from tests.staff_factor_helpers import Authenticator, staff_command

pytestmark = pytest.mark.browser
WRONG_CODE = "This code is not right, or it was used already."


async def _member(stores: Stores, web: WebApp, name: str = "Rep Factor") -> str:
    """A staff member who has set STRONG_PASSWORD; their email."""
    email, link = await staff_link(stores, web, name)
    async with httpx.AsyncClient(base_url=web.url) as http:
        assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    return email


async def _enrolled_page(
    visitors: Visitors, web: WebApp, email: str, screens: Screens | None = None
) -> tuple[Page, Authenticator]:
    """A browser of the member's, signed in and enrolled, on the leads page."""
    page = await visitors.new_page()
    await page.goto(f"{web.url}/sales/leads")
    await staff_sign_in(page, email)
    app = await enrol_in_browser(page, screens)
    await expect(page.get_by_role("heading", name="All Commerce B2B leads")).to_be_visible()
    return page, app


async def test_staff_enrol_from_the_setup_key_and_sign_in_with_a_code(
    visitors: Visitors, web: WebApp, stores: Stores
) -> None:
    """Enrol at the first sign-in from the setup key; the next sign-in takes a fresh code."""
    screens = Screens("staff-second-factor")
    email = await _member(stores, web, "Rep Enrolled")
    page, app = await _enrolled_page(visitors, web, email, screens)
    await expect(page.get_by_role("banner")).to_contain_text("Rep Enrolled")
    assert len(app.recovery_codes) == 10
    await page.get_by_role("button", name="Sign out").click()
    await staff_sign_in(page, email)
    await screens.check(page, "staff-code")
    await enter_code(page, await app.code())
    await expect(page.get_by_role("heading", name="All Commerce B2B leads")).to_be_visible()


async def test_the_console_stays_closed_before_enrolment_and_after_a_wrong_code(
    visitors: Visitors, web: WebApp, stores: Stores
) -> None:
    """After the password alone, and after a wrong code, every console page leads back to
    the factor's step."""
    screens = Screens("staff-second-factor-closed")
    email = await _member(stores, web)
    page = await visitors.new_page()
    await page.goto(f"{web.url}/commerce/prospects")
    await staff_sign_in(page, email)
    await expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    await page.goto(f"{web.url}/sales/leads")
    await expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    await field(page, "Authentication code").fill("000000")
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("alert")).to_be_focused()
    await expect(field(page, "Authentication code")).to_have_accessible_description(WRONG_CODE)
    await screens.check(page, "wrong-code")
    await page.goto(f"{web.url}/commerce/prospects")
    await expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    await expect(page.get_by_role("heading", name="All prospects")).to_have_count(0)


async def test_a_replayed_code_is_refused(visitors: Visitors, web: WebApp, stores: Stores) -> None:
    """The code that opened one browser's sign-in does not open another's."""
    email = await _member(stores, web)
    _, app = await _enrolled_page(visitors, web, email)
    other = await visitors.new_page()
    await other.goto(f"{web.url}/sales/leads")
    await staff_sign_in(other, email)
    await enter_code(other, app.used_code())
    await expect(field(other, "Authentication code")).to_have_accessible_description(WRONG_CODE)
    await other.goto(f"{web.url}/sales/leads")
    await expect(
        other.get_by_role("heading", name="Enter your authentication code")
    ).to_be_visible()


async def test_a_disabled_members_open_page_is_signed_out_at_the_next_request(
    visitors: Visitors, web: WebApp, stores: Stores
) -> None:
    """`staff disable` while the console is open: the next click lands on the sign-in page."""
    email = await _member(stores, web)
    page, _ = await _enrolled_page(visitors, web, email)
    code, out = await staff_command(web, "disable", email)
    assert code == 0, out
    await page.get_by_role("link", name="All prospects").click()
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
