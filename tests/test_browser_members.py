"""A partner's plain user in a browser: the organization's page keeps the other members'
emails to the admin; the user changes the password and sees the sessions."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from devstack.smtp import SmtpSink
from tests.account_helpers import OTHER_PASSWORD, STRONG_PASSWORD, signed_in_admin
from tests.browser_pages import Screens, Visitors, field
from tests.conftest import WebApp
from tests.member_helpers import invited_and_active, new_email

pytestmark = pytest.mark.browser


async def plain_user(http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink) -> tuple[str, str]:
    """An organization whose admin invited a user who set STRONG_PASSWORD: both emails."""
    admin = await signed_in_admin(http, web, smtp)
    user = new_email()
    await invited_and_active(http, web, smtp, user)
    return admin, user


async def signed_in_page(page: Page, web: WebApp, email: str) -> None:
    await page.goto(f"{web.url}/sign-in")
    await field(page, "Email").fill(email)
    await field(page, "Password").fill(STRONG_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name=re.compile("^My organization: "))).to_be_visible()


async def test_a_plain_users_organization_page_shows_no_other_members_email(
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    """The members table names the admin with role and status, without the admin's email."""
    screens = Screens("members-of-a-plain-user")
    admin, user = await plain_user(http, web, smtp)
    page = await visitors.new_page("en-US")
    await signed_in_page(page, web, user)
    members = page.locator("#members")
    admin_row = members.locator("tbody tr", has_text="Administrator")
    await expect(admin_row).to_contain_text("Active")
    await expect(members.get_by_role("columnheader")).to_have_text(["Name", "Role", "Status"])
    await expect(page.get_by_role("main")).not_to_contain_text(admin)
    assert admin.lower() not in (await page.content()).lower()
    await screens.check(page, "organization-of-a-plain-user")


async def test_a_user_changes_the_password_and_sees_the_sessions(
    visitors: Visitors, web: WebApp, http: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    """From the header: a new password with the current one, then the sessions, this one
    marked."""
    screens = Screens("password-and-sessions")
    _, user = await plain_user(http, web, smtp)
    page = await visitors.new_page("en-US")
    await signed_in_page(page, web, user)
    await (
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Password").click()
    )
    await expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    await screens.check(page, "password")
    await field(page, "Current password").fill(STRONG_PASSWORD)
    await field(page, "New password").fill(OTHER_PASSWORD)
    await field(page, "Repeat the new password").fill(OTHER_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Your password is changed. Every other session has ended."
    )
    await (
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Sessions").click()
    )
    await expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    await expect(page.locator("#this-session")).to_contain_text("This browser")
    await screens.check(page, "sessions")
