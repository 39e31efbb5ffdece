"""Sign-in, sessions and the anti-CSRF token, as a browser and an attacker would meet them."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from accounts.hashing import HashParameters, PasswordHasher
from accounts.tokens import token_hash
from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from starter.app import create_app
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    activated_partner,
    csrf_in,
    link_in,
    set_password,
    sign_in,
    wait_for_email,
)
from tests.buyer_helpers import another_admin_beside
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
    await another_admin_beside(stores, email)
    await sign_in(http, email, STRONG_PASSWORD)
    account = await stores.commerce_store().accounts.by_email("site", email)
    assert account is not None
    await stores.commerce_store().accounts.set_site_user_status(account.id, "removed")
    assert (await http.get("/organization")).status_code == 303
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 401


async def test_sign_in_rehashes_a_password_made_with_old_parameters(
    http: httpx.AsyncClient,
    production_hashing_http: httpx.AsyncClient,
    web: WebApp,
    smtp: SmtpSink,
    stores: Stores,
) -> None:
    """A hash made with weaker parameters is replaced by one with today's at sign-in."""
    email = await activated_partner(http, web, smtp)
    weak = await PasswordHasher(HashParameters(1, 1024, 1)).hash(STRONG_PASSWORD)
    await stores.commerce.execute(
        "UPDATE site_users SET password_hash = $2 WHERE lower(email) = lower($1)", email, weak
    )
    assert (await sign_in(production_hashing_http, email, STRONG_PASSWORD)).status_code == 303
    stored = await stores.commerce.fetchval(
        "SELECT password_hash FROM site_users WHERE lower(email) = lower($1)", email
    )
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not PasswordHasher().needs_rehash(stored)


def session_cookie(response: httpx.Response, name: str) -> str:
    """The Set-Cookie header that sets the session (not one that deletes an old one)."""
    [cookie] = [
        c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=") and
        not c.startswith(f'{name}=""')
    ]  # fmt: skip
    return cookie.lower()


async def test_the_session_cookie_is_http_only_and_same_site(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Scripts cannot read the cookie, and other sites' posts do not carry it."""
    email = await activated_partner(http, web, smtp)
    cookie = session_cookie(await sign_in(http, email, STRONG_PASSWORD), "onboarding_session")
    assert "; httponly" in cookie
    assert "; samesite=lax" in cookie
    assert "; path=/" in cookie
    assert "; secure" not in cookie


async def test_outside_dev_the_cookie_is_secure_and_host_bound(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Outside dev the cookie is Secure and named __Host-, so no subdomain can plant one."""
    email = await activated_partner(http, web, smtp)
    production = web.settings.model_copy(update={"onboarding_environment": "production"})
    async with (
        serving(create_app(production, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url) as browser,
    ):
        response = await sign_in(browser, email, STRONG_PASSWORD)
    cookie = session_cookie(response, "__Host-onboarding_session")
    assert "; secure" in cookie
    assert "; httponly" in cookie
    assert "; path=/" in cookie
    assert "domain=" not in cookie


async def test_a_form_posted_from_another_site_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A sign-in posted from another site's page gets 403 and signs nobody in."""
    email = await activated_partner(http, web, smtp)
    forged = await http.post(
        "/sign-in",
        data={"email": email, "password": STRONG_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert "onboarding_session" not in http.cookies
    fetched = await http.post("/sign-out", data={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403


async def test_pages_cannot_be_framed_by_another_site(http: httpx.AsyncClient) -> None:
    """Every page forbids framing, so no button of ours can be clicked through a disguise."""
    page = await http.get("/sign-in")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_concurrent_guesses_do_not_slip_past_the_throttle(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Ten wrong passwords sent at once: only the free three and one more are even checked."""
    email = await activated_partner(http, web, smtp)
    answers = await asyncio.gather(*(sign_in(http, email, OTHER_PASSWORD) for _ in range(10)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 4 + [429] * 6


async def test_a_reset_lifts_a_lock_others_caused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Whoever locked the account by guessing, its owner gets in again after a reset."""
    email = await activated_partner(http, web, smtp)
    for _ in range(5):
        await sign_in(http, email, OTHER_PASSWORD)
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 429
    await http.post("/forgot-password", data={"email": email})
    [reset] = await wait_for_email(smtp, email, "reset your password")
    assert (await set_password(http, link_in(reset), OTHER_PASSWORD)).status_code == 303
    assert (await sign_in(http, email, OTHER_PASSWORD)).status_code == 303


async def test_a_form_that_is_not_utf8_gets_a_clear_answer(http: httpx.AsyncClient) -> None:
    """Bytes that are not UTF-8 read as an unknown email: the usual refusal, never a 500."""
    response = await http.post(
        "/sign-in?lang=en",
        content=b"email=%ff%fe%40x.example&password=%ff",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert "The email or the password is not right." in response.text


async def test_a_control_character_in_the_email_is_a_field_error(
    http: httpx.AsyncClient,
) -> None:
    """A NUL typed into the email is refused on the field, at sign-in and for a new link."""
    for path in ("/sign-in", "/forgot-password", "/staff/sign-in"):
        response = await http.post(
            f"{path}?lang=en", data={"email": "a\x00b@contoso.example", "password": "x"}
        )
        assert response.status_code == 422, path
        assert 'id="email-error">This does not look right.' in response.text, path
