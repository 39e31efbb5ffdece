"""The second factor and the sessions it concerns: passing it renews the session's id, and
an enrolment's secret is shown only to the session that began it."""

from __future__ import annotations

import httpx

from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, set_password, sign_in, staff_link
from tests.conftest import WebApp
from tests.staff_factor_helpers import STAFF_FACTOR_PAGE, enrol, setup_key_in

STAFF_COOKIE = "onboarding_staff"


async def _password_only(http: httpx.AsyncClient, stores: Stores, web: WebApp) -> str:
    """A new staff member signed in on `http` with the password alone; their email."""
    email, link = await staff_link(stores, web)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    return email


async def test_the_session_id_before_the_code_opens_nothing_after_it(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Passing the factor renews the session's cookie: the id the code was typed under is dead."""
    await _password_only(http, stores, web)
    before = http.cookies[STAFF_COOKIE]
    await enrol(http)
    assert http.cookies[STAFF_COOKIE] != before
    assert (await http.get("/sales/leads")).status_code == 200
    async with httpx.AsyncClient(base_url=web.url, cookies={STAFF_COOKIE: before}) as stale:
        leads = await stale.get("/sales/leads")
    assert leads.status_code == 303
    assert leads.headers["location"].startswith("/staff/sign-in?")


async def test_another_session_of_the_account_is_shown_a_fresh_secret(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A second session at the enrolment step gets a secret of its own, not the first's."""
    email = await _password_only(http, stores, web)
    first = setup_key_in((await http.get(STAFF_FACTOR_PAGE)).text)
    async with httpx.AsyncClient(base_url=web.url) as other:
        assert (await sign_in(other, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
        second = setup_key_in((await other.get(STAFF_FACTOR_PAGE)).text)
    assert second != first
