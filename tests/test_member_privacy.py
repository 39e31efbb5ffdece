"""What the organization's page shows of the other members: names, roles and status to
everyone; emails and spending limits to the admin alone."""

from __future__ import annotations

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, sign_in, signed_in_admin
from tests.conftest import WebApp
from tests.member_helpers import invited_and_active, new_email


async def organization_with_a_user(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> tuple[str, str]:
    """A signed-in admin with a spending limit of 7,777 who invited a user who activated:
    the admin's email and the user's."""
    admin = await signed_in_admin(http, web, smtp)
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = 7777 WHERE lower(email) = lower($1)", admin
    )
    user = new_email()
    await invited_and_active(http, web, smtp, user, spending_limit="4321")
    return admin, user


async def test_a_plain_user_sees_no_other_members_email_or_limit(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A user who is not the admin sees each member's name, role and status, nothing more."""
    admin, user = await organization_with_a_user(http, web, smtp, stores)
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        assert (await sign_in(invitee, user, STRONG_PASSWORD)).status_code == 303
        page = (await invitee.get("/organization?lang=en")).text
    members = page.split('id="members"', 1)[1]
    assert "Administrator" in members
    assert "Active" in members
    assert admin.lower() not in page.lower()
    assert "7,777" not in page
    assert "Spending limit" not in members


async def test_the_admin_sees_the_members_emails_and_limits(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The admin's page lists every member's email and spending limit."""
    _, user = await organization_with_a_user(http, web, smtp, stores)
    members = (await http.get("/organization?lang=en")).text.split('id="members"', 1)[1]
    assert user in members
    assert "Spending limit" in members
    assert "4,321" in members
