"""Staff pass a second factor after the password: enrolment at the first sign-in, a code at
every later one, each code once, recovery codes, and a throttle on wrong codes."""

from __future__ import annotations

import re

import httpx

from accounts.recovery_codes import normalize_recovery_code
from accounts.throttle import PER_ACCOUNT
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, sign_in
from tests.api_helpers import submitted_lead
from tests.conftest import WebApp
from tests.staff_factor_helpers import (
    STAFF_FACTOR_PAGE,
    enrol,
    pass_factor,
    post_code,
    setup_key_in,
)
from tests.staff_members import (
    code_step_key,
    enrolled_then_signed_out,
    signed_in_with_password_only,
)


async def _lock_the_code_step(stores: Stores, email: str) -> None:
    """As many wrong codes as lock the account's code step, counted just now."""
    await stores.commerce.execute(
        "INSERT INTO sign_in_failures (key, failures, last_failure_at) VALUES ($1, $2, now())",
        await code_step_key(stores, email),
        PER_ACCOUNT.lock_after,
    )


async def test_the_first_sign_in_shows_the_enrolment_with_its_labels(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """After the password, a staff page leads to the enrolment: QR code, setup key as text,
    `Authentication code` and `Verify`."""
    await signed_in_with_password_only(http, stores, web)
    leads = await http.get("/sales/leads")
    assert leads.status_code == 303
    assert leads.headers["location"] == f"{STAFF_FACTOR_PAGE}?next=/sales/leads"
    page = await http.get(leads.headers["location"])
    assert page.status_code == 200
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", setup_key_in(page.text))
    assert re.search(
        r'<svg [^>]*class="totp-qr"><title>QR code for your authenticator app<', page.text
    )
    assert '<label for="code">Authentication code (required)</label>' in page.text
    assert '<button type="submit">Verify</button>' in page.text


async def test_before_enrolment_no_staff_page_api_read_or_codec_call_opens(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A session that has passed only the password opens no page, no API read, no codec."""
    _, lead_id = await submitted_lead(http, web)
    await signed_in_with_password_only(http, stores, web)
    page = await http.get(f"/sales/leads/{lead_id}")
    assert page.status_code == 303
    assert page.headers["location"].startswith(f"{STAFF_FACTOR_PAGE}?next=")
    assert (await http.get(f"/api/sales/leads/{lead_id}")).status_code == 403
    assert (await http.post("/codec/decode", json={"payloads": []})).status_code == 403
    assert (
        (await http.get("/staff/operator-check"))
        .headers["location"]
        .startswith(f"{STAFF_FACTOR_PAGE}?next=")
    )


async def test_enrolment_opens_the_console_and_shows_ten_recovery_codes(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A right code from the setup key enrols: ten recovery codes shown, the console open."""
    await signed_in_with_password_only(http, stores, web)
    app = await enrol(http)
    assert len({normalize_recovery_code(code) for code in app.recovery_codes}) == 10
    assert (await http.get("/sales/leads")).status_code == 200
    assert (await http.get("/staff/operator-check")).status_code == 204


async def test_a_wrong_code_at_enrolment_keeps_everything_closed(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A code that is not the app's is refused (401) and the console stays closed."""
    await signed_in_with_password_only(http, stores, web)
    refused = await post_code(http, "000000")
    assert refused.status_code == 401
    assert "This code is not right, or it was used already." in refused.text
    assert (await http.get("/sales/leads")).status_code == 303


async def test_a_later_sign_in_asks_for_a_code_and_opens_with_it(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """With a factor set, the step after the password asks for a code; a fresh one opens."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    page = await http.get(STAFF_FACTOR_PAGE)
    assert "Enter your authentication code" in page.text
    assert 'id="setup-key"' not in page.text
    assert (await http.get("/sales/leads")).status_code == 303
    await pass_factor(http, app)
    assert (await http.get("/sales/leads")).status_code == 200


async def test_a_code_works_only_once(http: httpx.AsyncClient, stores: Stores, web: WebApp) -> None:
    """The code that opened one sign-in is refused at the next, within its window."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    replayed = await post_code(http, app.used_code())
    assert replayed.status_code == 401
    assert (await http.get("/sales/leads")).status_code == 303


async def test_a_recovery_code_signs_in_once(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A recovery code takes the place of a code, once."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    recovery = app.recovery_codes[0]
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    assert (await post_code(http, recovery.upper())).status_code == 303
    assert (await http.get("/sales/leads")).status_code == 200
    async with httpx.AsyncClient(base_url=web.url) as other:
        assert (await sign_in(other, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
        assert (await post_code(other, recovery)).status_code == 401


async def test_wrong_codes_count_against_the_accounts_code_throttle(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A wrong code is counted for the account; a right one clears the count."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    key = await code_step_key(stores, email)
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    assert (await post_code(http, "000000")).status_code == 401
    failures = "SELECT failures FROM sign_in_failures WHERE key = $1"
    assert await stores.commerce.fetchval(failures, key) == 1
    await pass_factor(http, app)
    assert await stores.commerce.fetchval(failures, key) is None


async def test_a_locked_code_step_refuses_even_the_right_code(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Past the per-account lock of wrong codes, even a right code waits (429)."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    await _lock_the_code_step(stores, email)
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    locked = await post_code(http, await app.code())
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert (await http.get("/sales/leads")).status_code == 303


async def test_a_locked_code_step_leaves_the_password_step_open(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Wrong codes are counted apart from wrong passwords: the password still signs in."""
    email, _ = await enrolled_then_signed_out(http, stores, web)
    await _lock_the_code_step(stores, email)
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303


async def test_the_staff_token_still_opens_the_api_for_programs(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A program with ONBOARDING_STAFF_TOKEN reads the API without any second factor."""
    _, lead_id = await submitted_lead(http, web)
    assert (await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())).status_code == 200


async def test_a_code_step_post_without_the_csrf_token_is_refused(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A code posted from elsewhere (no anti-CSRF token) gets 403."""
    await signed_in_with_password_only(http, stores, web)
    assert (await http.get(STAFF_FACTOR_PAGE)).status_code == 200
    refused = await http.post(STAFF_FACTOR_PAGE, data={"code": "123456"})
    assert refused.status_code == 403
