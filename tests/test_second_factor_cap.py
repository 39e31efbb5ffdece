"""At most 100 wrong second-factor codes in a row, however far apart: then no code counts
until a reset of the factor or of the password clears them."""

from __future__ import annotations

import httpx

from accounts.tokens import new_token, token_hash
from commerce.accounts import LinkGrant
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, set_password, sign_in
from tests.conftest import WebApp
from tests.staff_factor_helpers import enrol, pass_factor, post_code
from tests.staff_members import (
    code_step_key,
    enrolled_then_signed_out,
    staff_account_id,
)

LOCKED = "Too many wrong codes in a row"


async def _hundred_wrong_codes_two_days_ago(stores: Stores, email: str) -> None:
    """The account's code step has 100 wrong codes in a row, the last two days ago."""
    await stores.commerce.execute(
        """INSERT INTO sign_in_failures (key, failures, last_failure_at)
           VALUES ($1, 100, now() - interval '2 days')""",
        await code_step_key(stores, email),
    )


async def _reset_link(stores: Stores, web: WebApp, email: str) -> str:
    """The path of a fresh password-reset link of the staff account."""
    token = new_token()
    await stores.commerce_store().accounts.issue_link(
        LinkGrant(
            audience="staff",
            account_id=await staff_account_id(stores, email),
            purpose="reset",
            token_hash=token_hash(token),
            lifetime=web.settings.onboarding_activation_ttl,
        )
    )
    return f"/staff/reset-password?token={token}"


async def test_a_hundred_wrong_codes_refuse_even_the_right_one_days_later(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """After 100 wrong codes in a row, a right code days later is refused, with no wait named."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    await _hundred_wrong_codes_two_days_ago(stores, email)
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    refused = await post_code(http, await app.code())
    assert refused.status_code == 429
    assert LOCKED in refused.text
    assert "retry-after" not in refused.headers
    assert (await http.get("/sales/leads")).status_code == 303


async def test_a_password_reset_clears_the_wrong_codes(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A password reset through its emailed link lets the right code in again."""
    email, app = await enrolled_then_signed_out(http, stores, web)
    await _hundred_wrong_codes_two_days_ago(stores, email)
    link = await _reset_link(stores, web, email)
    assert (await set_password(http, link, STRONG_PASSWORD + "!")).status_code == 303
    assert (await sign_in(http, email, STRONG_PASSWORD + "!", prefix="/staff")).status_code == 303
    await pass_factor(http, app)


async def test_a_factor_reset_clears_the_wrong_codes(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """After the operator resets the factor, the enrolment of a new one goes through."""
    email, _ = await enrolled_then_signed_out(http, stores, web)
    await _hundred_wrong_codes_two_days_ago(stores, email)
    assert await stores.commerce_store().staff_access.reset_second_factor(email, "cli")
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    await enrol(http)
