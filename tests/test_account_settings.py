"""Signed-in users change their password with the current one and see their sessions, with
"Sign out everywhere" (ASVS V6.2.2, V6.2.3, V7.5.2), against the real stack."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    csrf_in,
    sign_in,
    signed_in_admin,
    signed_in_staff,
    wait_for_email,
)
from tests.conftest import WebApp

PASSWORD_PAGE = "/account/password"
SESSIONS_PAGE = "/account/sessions"
SIGN_OUT_EVERYWHERE = "/account/sessions/sign-out-everywhere"


async def change_password(
    http: httpx.AsyncClient, current: str, new: str, prefix: str = ""
) -> httpx.Response:
    page = (await http.get(f"{prefix}{PASSWORD_PAGE}?lang=en")).text
    return await http.post(
        f"{prefix}{PASSWORD_PAGE}?lang=en",
        data={
            "current_password": current,
            "new_password": new,
            "repeat_password": new,
            "csrf_token": csrf_in(page),
        },
    )


async def sign_out_everywhere(http: httpx.AsyncClient, password: str) -> httpx.Response:
    page = (await http.get(SESSIONS_PAGE)).text
    return await http.post(
        f"{SIGN_OUT_EVERYWHERE}?lang=en", data={"password": password, "csrf_token": csrf_in(page)}
    )


@contextlib.asynccontextmanager
async def signed_in_elsewhere(web: WebApp, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser of the same user, signed in."""
    async with httpx.AsyncClient(base_url=web.url) as other:
        assert (await sign_in(other, email, STRONG_PASSWORD)).status_code == 303
        yield other


async def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """After the change this browser stays signed in, the other is signed out, the old
    password no longer signs in, and the owner gets the "password changed" email."""
    email = await signed_in_admin(http, web, smtp)
    async with signed_in_elsewhere(web, email) as other:
        changed = await change_password(http, STRONG_PASSWORD, OTHER_PASSWORD)
        assert changed.headers["location"] == f"{PASSWORD_PAGE}?done=changed"
        assert (await http.get("/organization")).status_code == 200
        assert (await other.get("/organization")).status_code == 303
    async with httpx.AsyncClient(base_url=web.url) as fresh:
        assert (await sign_in(fresh, email, STRONG_PASSWORD)).status_code == 401
        assert (await sign_in(fresh, email, OTHER_PASSWORD)).status_code == 303
    await wait_for_email(smtp, email, "your password was changed")


async def test_a_wrong_current_password_changes_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """The current password typed wrong: 422 on that field, and the password stays."""
    email = await signed_in_admin(http, web, smtp)
    refused = await change_password(http, "not my password at all, sorry", OTHER_PASSWORD)
    assert refused.status_code == 422
    assert "This is not your current password." in refused.text
    async with httpx.AsyncClient(base_url=web.url) as fresh:
        assert (await sign_in(fresh, email, STRONG_PASSWORD)).status_code == 303


async def test_a_new_password_breaking_the_rules_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """The new password follows the same rules as a first one: a common one is refused."""
    await signed_in_admin(http, web, smtp)
    refused = await change_password(http, STRONG_PASSWORD, "password1234567890")
    assert refused.status_code == 422
    assert "This password is too common." in refused.text


async def test_a_change_without_the_csrf_token_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A password change posted without the page's anti-CSRF token is 403."""
    await signed_in_admin(http, web, smtp)
    posted = await http.post(
        PASSWORD_PAGE,
        data={
            "current_password": STRONG_PASSWORD,
            "new_password": OTHER_PASSWORD,
            "repeat_password": OTHER_PASSWORD,
        },
    )
    assert posted.status_code == 403


async def test_the_sessions_page_lists_each_session_and_marks_this_one(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Two browsers signed in: two sessions listed, one of them marked as this browser."""
    email = await signed_in_admin(http, web, smtp)
    async with signed_in_elsewhere(web, email):
        page = (await http.get(f"{SESSIONS_PAGE}?lang=en")).text
    rows = page.split('id="sessions"', 1)[1].split("</table>", 1)[0].count("<tr")
    assert rows == 1 + 2
    assert page.count('id="this-session"') == 1
    assert "This browser" in page


async def test_sign_out_everywhere_ends_every_session(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """With the password typed again, every session ends, this one too."""
    email = await signed_in_admin(http, web, smtp)
    async with signed_in_elsewhere(web, email) as other:
        posted = await sign_out_everywhere(http, STRONG_PASSWORD)
        assert posted.headers["location"] == "/sign-in?done=signed_out"
        assert (await other.get("/organization")).status_code == 303
    assert (await http.get("/organization")).status_code == 303


async def test_sign_out_everywhere_with_a_wrong_password_ends_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A wrong password: 422 on the field, and both sessions still work."""
    email = await signed_in_admin(http, web, smtp)
    async with signed_in_elsewhere(web, email) as other:
        posted = await sign_out_everywhere(http, OTHER_PASSWORD)
        assert posted.status_code == 422
        assert "This is not your current password." in posted.text
        assert (await other.get("/organization")).status_code == 200
    assert (await http.get("/organization")).status_code == 200


async def test_the_pages_speak_japanese(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Both pages have their labels in Japanese."""
    await signed_in_admin(http, web, smtp)
    assert "現在のパスワード" in (await http.get(f"{PASSWORD_PAGE}?lang=ja")).text
    assert "すべての場所からサインアウト" in (await http.get(f"{SESSIONS_PAGE}?lang=ja")).text


async def test_staff_change_their_password_on_the_same_page(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """A staff member changes the password at /staff/account/password; the new one signs in."""
    email = await signed_in_staff(http, stores, web)
    changed = await change_password(http, STRONG_PASSWORD, OTHER_PASSWORD, prefix="/staff")
    assert changed.headers["location"] == f"/staff{PASSWORD_PAGE}?done=changed"
    async with httpx.AsyncClient(base_url=web.url) as fresh:
        assert (await sign_in(fresh, email, OTHER_PASSWORD, prefix="/staff")).status_code == 303
