"""Partner accounts against the real stack: activation, passwords, sign-in, sessions."""

from __future__ import annotations

import httpx

from devstack.smtp import SmtpSink
from tests.account_helpers import (
    STRONG_PASSWORD,
    activated_partner,
    approved_partner,
    csrf_in,
    link_in,
    set_password,
    sign_in,
    wait_for_email,
)
from tests.conftest import WebApp


async def test_approval_link_sets_the_password_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """The approval email's link sets a password; opened again, it offers a new link."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    link = link_in(approval)
    page = await http.get(link)
    assert page.status_code == 200
    assert email in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    again = await http.get(link)
    assert again.status_code == 410
    assert "This link no longer works" in again.text
    assert 'action="/forgot-password"' in again.text


async def test_signed_in_partner_sees_the_organization(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """After sign-in the organization page shows its credit limit and its one admin."""
    email = await activated_partner(http, web, smtp)
    response = await sign_in(http, email, STRONG_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/organization"
    page = await http.get("/organization?lang=en")
    assert page.status_code == 200
    assert "1,000,000 JPY" in page.text
    assert email in page.text
    assert "Administrator" in page.text
    assert "None: the credit limit applies" in page.text
    assert "Sign out" in page.text
    assert csrf_in(page.text)
