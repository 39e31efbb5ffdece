"""Partner accounts against the real stack: activation, passwords, sign-in, sessions."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from accounts.tokens import token_hash
from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    activated_partner,
    approved_partner,
    csrf_in,
    link_in,
    link_page,
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


async def test_weak_password_is_refused_and_the_link_still_works(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A common password gets 422 on the New password field; the link is not used up."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    link = link_in(approval)
    refused = await set_password(http, link + "&lang=en", "passwordpassword123")
    assert refused.status_code == 422
    assert 'id="new_password-error">This password is too common.' in refused.text
    assert (await http.get(link)).status_code == 200
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303


async def test_password_naming_the_email_or_company_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A password with the email's local part in it is refused."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    local = email.split("@")[0]
    refused = await set_password(http, link_in(approval) + "&lang=en", f"my {local} secret")
    assert refused.status_code == 422
    assert "Do not use your email address in the password." in refused.text


async def test_mismatched_repeat_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Two different new passwords get 422 on the repeat field and change nothing."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    link = link_in(approval) + "&lang=en"
    refused = await set_password(http, link, STRONG_PASSWORD, OTHER_PASSWORD)
    assert refused.status_code == 422
    assert 'id="repeat_password-error">The two passwords are not the same.' in refused.text
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 401


async def test_over_long_password_gets_a_clear_error(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A password over 1000 characters is refused before any hashing, with a message."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    refused = await set_password(http, link_in(approval) + "&lang=en", "long phrase " * 100)
    assert refused.status_code == 422
    assert "Use at most 1000 characters." in refused.text


async def test_tampered_link_offers_a_new_one(http: httpx.AsyncClient) -> None:
    """An unknown token gets the page that offers a new link, and a post with it changes nothing."""
    page = await http.get("/activate?token=not-a-real-token&lang=en")
    assert page.status_code == 410
    assert "Send me a link" in page.text
    post = await http.post(
        "/activate",
        data={"token": "x", "new_password": STRONG_PASSWORD, "repeat_password": STRONG_PASSWORD},
    )
    assert post.status_code == 410


async def test_expired_link_leads_to_a_new_working_link(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An expired activation link offers a new link by email, and that one works."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    link = link_in(approval)
    await link_page(http, link)
    await stores.commerce.execute(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        token_hash(link.split("token=")[1]),
    )
    assert (await http.get(link)).status_code == 410
    sent = await http.post("/forgot-password?lang=en", data={"email": email})
    assert sent.status_code == 200
    assert f"If {email} belongs to an account" in sent.text
    [fresh] = await wait_for_email(smtp, email, "set your password")
    assert (await set_password(http, link_in(fresh), STRONG_PASSWORD)).status_code == 303
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 303


async def test_link_request_answers_the_same_for_an_unknown_email(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Known or not, the answer to "send me a link" is the same page."""
    known = await activated_partner(http, web, smtp)
    unknown = f"nobody.{uuid.uuid4().hex[:8]}@contoso.example"
    answers = [
        await http.post("/forgot-password?lang=en", data={"email": e}) for e in (known, unknown)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].text.replace(known, "E") == answers[1].text.replace(unknown, "E")
    assert f"If {unknown} belongs to an account, we have sent it a link." in answers[1].text


async def test_one_link_posted_twice_at_once_works_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Two posts of the same link race: one sets the password, the other finds it used."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    link = link_in(approval)
    await link_page(http, link)
    posts = await asyncio.gather(
        set_password(http, link, STRONG_PASSWORD), set_password(http, link, OTHER_PASSWORD)
    )
    assert sorted(p.status_code for p in posts) == [303, 410]


async def test_reset_ends_other_sessions_and_tells_the_owner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A reset link sets a new password, signs out everywhere, and a notice email goes out."""
    email = await activated_partner(http, web, smtp)
    async with httpx.AsyncClient(base_url=web.url) as elsewhere:
        assert (await sign_in(elsewhere, email, STRONG_PASSWORD)).status_code == 303
        assert (await elsewhere.get("/organization")).status_code == 200
        await http.post("/forgot-password", data={"email": email})
        [reset] = await wait_for_email(smtp, email, "reset your password")
        done = await set_password(http, link_in(reset), OTHER_PASSWORD)
        assert done.headers["location"] == "/sign-in?done=password_set"
        assert "set-cookie" not in done.headers
        assert (await elsewhere.get("/organization")).status_code == 303
    await wait_for_email(smtp, email, "your password was changed")
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 401
    assert (await sign_in(http, email, OTHER_PASSWORD)).status_code == 303


async def test_erasure_takes_the_account_with_it(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Erasing an approved onboarding ends its user's session and leaves no link or email row."""
    email = await activated_partner(http, web, smtp)
    await sign_in(http, email, STRONG_PASSWORD)
    await http.post("/forgot-password", data={"email": email})
    await wait_for_email(smtp, email, "reset your password")
    reference = await stores.commerce.fetchval(
        "SELECT reference FROM prospects WHERE email = $1", email
    )
    user_id = await stores.commerce.fetchval(
        "SELECT id FROM site_users WHERE lower(email) = lower($1)", email
    )
    erased = await http.delete(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert erased.status_code == 204
    assert (await http.get("/organization")).status_code == 303
    left = await stores.commerce.fetchval(
        """SELECT (SELECT count(*) FROM account_tokens WHERE account_id = $2)
                + (SELECT count(*) FROM sessions WHERE account_id = $2)
                + (SELECT count(*) FROM email_outbox WHERE lower(recipient) = lower($1))
                + (SELECT count(*) FROM site_users WHERE id = $2)""",
        email,
        user_id,
    )
    assert left == 0
