"""Sign-in, sessions and the anti-CSRF token, as a browser and an attacker would meet them."""

from __future__ import annotations

import uuid

import httpx
from starlette.responses import Response

from accounts.hashing import HashParameters, PasswordHasher
from accounts.tokens import token_hash
from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from starter.app import create_app
from starter.common.sessions import SessionManager
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    activated_partner,
    csrf_in,
    sign_in,
)
from tests.conftest import WebApp, serving


def unknown_email() -> str:
    return f"nobody.{uuid.uuid4().hex[:10]}@contoso.example"


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Status and page are the same whether the account exists or not."""
    email = await activated_partner(http, web, smtp)
    wrong = await sign_in(http, email, OTHER_PASSWORD)
    unknown_address = unknown_email()
    unknown = await sign_in(http, unknown_address, OTHER_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text.replace(email, "E") == unknown.text.replace(unknown_address, "E")
    assert "The email or the password is not right." in wrong.text


async def test_repeated_failures_make_the_account_wait(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Past three failures the next try must wait, even with the right password."""
    email = await activated_partner(http, web, smtp)
    answers = [(await sign_in(http, email, OTHER_PASSWORD)).status_code for _ in range(4)]
    waiting = await sign_in(http, email, STRONG_PASSWORD)
    assert answers == [401, 401, 401, 401]
    assert waiting.status_code == 429
    assert int(waiting.headers["retry-after"]) >= 1
    assert "Too many attempts" in waiting.text


async def test_an_unknown_email_is_throttled_the_same_way(http: httpx.AsyncClient) -> None:
    """A lock says nothing about which accounts exist: unknown names wait just the same."""
    email = unknown_email()
    answers = [(await sign_in(http, email, OTHER_PASSWORD)).status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 429]


async def test_one_address_with_many_failures_is_throttled(web: WebApp, stores: Stores) -> None:
    """Failures spread over many account names from one address slow that address down."""
    # Every test signs in from this one address; only this test's failures should count.
    await stores.commerce.execute("DELETE FROM sign_in_failures WHERE key LIKE 'address:%'")
    settings = web.settings.model_copy(update={"onboarding_sign_in_failures_per_address": 3})
    async with (
        serving(create_app(settings, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        answers = [
            (await sign_in(http, unknown_email(), OTHER_PASSWORD)).status_code for _ in range(5)
        ]
    assert answers == [401, 401, 401, 401, 429]


async def test_sign_out_ends_the_session(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """After Sign out, the old session cookie opens nothing."""
    email = await activated_partner(http, web, smtp)
    await sign_in(http, email, STRONG_PASSWORD)
    cookie = http.cookies["onboarding_session"]
    page = await http.get("/organization")
    signed_out = await http.post("/sign-out", data={"csrf_token": csrf_in(page.text)})
    assert signed_out.headers["location"] == "/sign-in?done=signed_out"
    async with httpx.AsyncClient(base_url=web.url) as replay:
        replay.cookies.set("onboarding_session", cookie)
        assert (await replay.get("/organization")).status_code == 303


async def test_sign_out_without_the_csrf_token_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A cross-site post to Sign out gets 403 and the session lives on."""
    email = await activated_partner(http, web, smtp)
    await sign_in(http, email, STRONG_PASSWORD)
    refused = await http.post("/sign-out", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await http.get("/organization")).status_code == 200


async def test_a_forged_session_cookie_opens_nothing(web: WebApp) -> None:
    """A made-up session id is sent to sign in, like no cookie at all."""
    async with httpx.AsyncClient(base_url=web.url) as forged:
        forged.cookies.set("onboarding_session", "A" * 43)
        response = await forged.get("/organization")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/organization"


async def test_sign_in_replaces_the_session_the_browser_had(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Signing in again makes a new session id and ends the old one."""
    email = await activated_partner(http, web, smtp)
    await sign_in(http, email, STRONG_PASSWORD)
    first = http.cookies["onboarding_session"]
    await sign_in(http, email, STRONG_PASSWORD)
    assert http.cookies["onboarding_session"] != first
    async with httpx.AsyncClient(base_url=web.url) as old:
        old.cookies.set("onboarding_session", first)
        assert (await old.get("/organization")).status_code == 303


async def test_an_idle_session_expires(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A session unused for longer than the idle limit no longer signs anyone in."""
    email = await activated_partner(http, web, smtp)
    await sign_in(http, email, STRONG_PASSWORD)
    await stores.commerce.execute(
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id_hash = $1",
        token_hash(http.cookies["onboarding_session"]),
    )
    assert (await http.get("/organization")).status_code == 303


async def test_a_removed_user_is_signed_out_and_cannot_sign_in(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Leaving `active` ends the user's sessions at once, and sign-in is refused."""
    email = await activated_partner(http, web, smtp)
    await sign_in(http, email, STRONG_PASSWORD)
    account = await stores.commerce_store().accounts.by_email("site", email)
    assert account is not None
    await stores.commerce_store().accounts.set_site_user_status(account.id, "removed")
    assert (await http.get("/organization")).status_code == 303
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 401


async def test_sign_in_rehashes_a_password_made_with_old_parameters(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A hash made with weaker parameters is replaced by one with today's at sign-in."""
    email = await activated_partner(http, web, smtp)
    weak = await PasswordHasher(HashParameters(1, 1024, 1)).hash(STRONG_PASSWORD)
    await stores.commerce.execute(
        "UPDATE site_users SET password_hash = $2 WHERE lower(email) = lower($1)", email, weak
    )
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 303
    stored = await stores.commerce.fetchval(
        "SELECT password_hash FROM site_users WHERE lower(email) = lower($1)", email
    )
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not PasswordHasher().needs_rehash(stored)


async def test_the_session_cookie_is_http_only_and_same_site(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Scripts cannot read the cookie, and other sites' posts do not carry it."""
    email = await activated_partner(http, web, smtp)
    response = await sign_in(http, email, STRONG_PASSWORD)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("onboarding_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie


async def test_outside_dev_the_cookie_is_secure_and_host_bound(
    web: WebApp, smtp: SmtpSink, http: httpx.AsyncClient, stores: Stores
) -> None:
    """Outside dev the cookie is Secure and named __Host-, so no subdomain can plant one."""
    email = await activated_partner(http, web, smtp)
    store = stores.commerce_store()
    account = await store.accounts.by_email("site", email)
    assert account is not None
    manager = SessionManager(
        store,
        "secret",
        secure=True,
        idle=web.settings.onboarding_session_idle,
        lifetime=web.settings.onboarding_session_lifetime,
    )
    response = Response()
    await manager.start(response, account)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("__host-onboarding_session=")
    assert "; secure" in cookie
    assert "httponly" in cookie


async def test_a_form_that_is_not_utf8_gets_a_clear_answer(http: httpx.AsyncClient) -> None:
    """Bytes that are not UTF-8 in the sign-in form are refused, never a 500."""
    response = await http.post(
        "/sign-in",
        content=b"email=%ff%fe&password=%ff",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 401, 422)
