"""Lockout resistance (ASVS V6.1.1, OWASP's device cookies): strangers' guesses cannot lock an
account's owner out of a browser that signed in before, and an attempt that could not be
checked counts as no failure."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import Client

from accounts.devices import DeviceTokens
from accounts.hashing import HasherBusy, PasswordHasher
from accounts.throttle import per_address
from commerce.accounts import Account, Accounts
from commerce.store import CommerceStore
from devstack.smtp import SmtpSink
from domain.audience import Audience
from plumbing.stores import Stores
from starter.app import create_app
from starter.services.accounts import AccountService
from storage.database import StoreUnavailable
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    activated_partner,
    set_password,
    sign_in,
    staff_link,
)
from tests.conftest import WebApp, serving

PREFIXES: dict[Audience, str] = {"site": "", "staff": "/staff"}
# Past the three free failures, a fourth makes the next attempt wait.
TO_HOLD_BACK = 4


async def account_of(
    audience: Audience, http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> str:
    """A new active account of the audience with STRONG_PASSWORD; its email."""
    if audience == "site":
        return await activated_partner(http, web, smtp)
    email, link = await staff_link(stores, web)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    return email


@contextlib.asynccontextmanager
async def browsers(web: WebApp, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Browsers of their own, each with its own cookies."""
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(httpx.AsyncClient(base_url=web.url))
            for _ in range(count)
        ]


async def guess(browser: httpx.AsyncClient, email: str, prefix: str, times: int) -> list[int]:
    return [
        (await sign_in(browser, email, OTHER_PASSWORD, prefix)).status_code for _ in range(times)
    ]


@pytest.mark.parametrize("audience", ["site", "staff"])
async def test_strangers_cannot_lock_out_a_browser_that_signed_in_before(
    audience: Audience, http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A stranger's wrong guesses hold back strangers, not the owner's known browser."""
    email, prefix = await account_of(audience, http, web, smtp, stores), PREFIXES[audience]
    async with browsers(web, 2) as (owner, stranger):
        assert (await sign_in(owner, email, STRONG_PASSWORD, prefix)).status_code == 303
        guesses = await guess(stranger, email, prefix, TO_HOLD_BACK)
        held_back = await sign_in(stranger, email, STRONG_PASSWORD, prefix)
        owner_again = await sign_in(owner, email, STRONG_PASSWORD, prefix)
    assert guesses == [401] * TO_HOLD_BACK
    assert held_back.status_code == 429
    assert owner_again.status_code == 303


async def test_a_known_browsers_failures_hold_back_that_browser_alone(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Wrong guesses from a browser with the account's device cookie count against it only."""
    email = await account_of("site", http, web, smtp, stores)
    async with browsers(web, 2) as (known, other):
        assert (await sign_in(known, email, STRONG_PASSWORD)).status_code == 303
        guesses = await guess(known, email, "", TO_HOLD_BACK)
        known_again = await sign_in(known, email, STRONG_PASSWORD)
        other_browser = await sign_in(other, email, STRONG_PASSWORD)
    assert guesses == [401] * TO_HOLD_BACK
    assert known_again.status_code == 429
    assert other_browser.status_code == 303


async def test_another_accounts_device_cookie_makes_a_stranger(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """A guesser's device cookie of their own account counts for nothing at the victim's."""
    victim, link = await staff_link(stores, web)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    own, own_link = await staff_link(stores, web)
    async with browsers(web, 2) as (guesser, owner_elsewhere):
        assert (await set_password(guesser, own_link, STRONG_PASSWORD)).status_code == 303
        assert (await sign_in(guesser, own, STRONG_PASSWORD, "/staff")).status_code == 303
        assert guesser.cookies.get("onboarding_device_staff")
        await guess(guesser, victim, "/staff", TO_HOLD_BACK)
        without_cookie = await sign_in(owner_elsewhere, victim, STRONG_PASSWORD, "/staff")
    assert without_cookie.status_code == 429


async def test_the_device_cookie_is_http_only_and_strict(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Scripts cannot read the device cookie and no other site's request carries it."""
    email = await account_of("site", http, web, smtp, stores)
    response = await sign_in(http, email, STRONG_PASSWORD)
    [cookie] = [c for c in response.headers.get_list("set-cookie") if "onboarding_device=" in c]
    assert "; httponly" in cookie.lower()
    assert "; samesite=strict" in cookie.lower()
    assert "; path=/" in cookie.lower()
    assert "; secure" not in cookie.lower()


async def test_outside_dev_the_device_cookie_is_secure_and_host_bound(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Outside dev the device cookie is Secure and named __Host-, like the session's."""
    email = await account_of("site", http, web, smtp, stores)
    production = web.settings.model_copy(update={"onboarding_environment": "production"})
    async with (
        serving(create_app(production, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url) as browser,
    ):
        response = await sign_in(browser, email, STRONG_PASSWORD)
    [cookie] = [
        c for c in response.headers.get_list("set-cookie") if "__Host-onboarding_device=" in c
    ]
    assert "; secure" in cookie.lower()
    assert "; httponly" in cookie.lower()
    assert "domain=" not in cookie.lower()


class AccountsDown(Accounts):
    async def by_email(self, audience: Audience, email: str) -> Account | None:
        raise StoreUnavailable("the Commerce store is down")


@pytest.mark.parametrize("cause", ["hasher busy", "store unavailable"])
async def test_an_attempt_that_could_not_be_checked_is_no_failure(
    cause: str, client: Client, stores: Stores, web: WebApp
) -> None:
    """Five sign-ins refused for want of a hasher or a store leave the account uncounted."""
    store = CommerceStore(stores.commerce)
    hasher = PasswordHasher()
    if cause == "hasher busy":
        hasher = PasswordHasher(waiting=0)
    else:
        store.accounts = AccountsDown(stores.commerce)
    service = AccountService(
        store, hasher, client, "unused", per_address(1_000_000), DeviceTokens("secret")
    )
    email, _ = await staff_link(stores, web)
    for _ in range(5):
        with pytest.raises((HasherBusy, StoreUnavailable)):
            await service.sign_in("staff", email, OTHER_PASSWORD, "192.0.2.1")
    failures = await stores.commerce.fetchval(
        "SELECT failures FROM sign_in_failures WHERE key = $1", f"account:staff:{email.lower()}"
    )
    assert failures == 0
