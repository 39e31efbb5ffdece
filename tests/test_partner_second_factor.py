"""Partner users may turn a second factor on from their account page, and an organization's
admin may require one of everyone: a user without one enrols at their next sign-in."""

from __future__ import annotations

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, csrf_in, post_form, sign_in, signed_in_admin
from tests.conftest import WebApp
from tests.member_helpers import invited_and_active, new_email, user_id_of
from tests.staff_factor_helpers import (
    RECOVERY_CODE,
    SITE_FACTOR_PAGE,
    Authenticator,
    pass_factor,
    secret_of,
    setup_key_in,
)

ACCOUNT_PAGE = "/account/second-factor"


async def _turn_on(http: httpx.AsyncClient) -> Authenticator:
    """Turn the signed-in partner user's factor on from the account page; their app."""
    page = await http.get(f"{ACCOUNT_PAGE}?lang=en")
    assert page.status_code == 200
    app = Authenticator(secret_of(setup_key_in(page.text)))
    shown = await http.post(
        ACCOUNT_PAGE, data={"code": await app.code(), "csrf_token": csrf_in(page.text)}
    )
    assert shown.status_code == 200, shown.text
    app.recovery_codes = RECOVERY_CODE.findall(shown.text)
    assert len(app.recovery_codes) == 10
    return app


async def _sign_out(http: httpx.AsyncClient) -> None:
    token = csrf_in((await http.get("/organization")).text)
    assert (await http.post("/sign-out", data={"csrf_token": token})).status_code == 303


async def test_the_account_page_offers_the_factor_with_its_labels(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Off at first: a QR code, the setup key as text, `Authentication code` and `Verify`."""
    await signed_in_admin(http, web, smtp)
    page = await http.get(f"{ACCOUNT_PAGE}?lang=en")
    assert "Two-step verification is off." in page.text
    assert setup_key_in(page.text)
    assert '<label for="code">Authentication code (required)</label>' in page.text
    assert '<button type="submit">Verify</button>' in page.text


async def test_a_partner_user_turns_the_factor_on_and_then_signs_in_with_a_code(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Turned on, the page says so; the next sign-in asks for a code, and a fresh one opens."""
    email = await signed_in_admin(http, web, smtp)
    app = await _turn_on(http)
    assert "Two-step verification is on" in (await http.get(f"{ACCOUNT_PAGE}?lang=en")).text
    await _sign_out(http)
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 303
    closed = await http.get("/organization")
    assert closed.headers["location"] == f"{SITE_FACTOR_PAGE}?next=/organization"
    assert 'id="setup-key"' not in (await http.get(SITE_FACTOR_PAGE)).text
    await pass_factor(http, app, SITE_FACTOR_PAGE)
    assert (await http.get("/organization")).status_code == 200


async def test_a_wrong_code_leaves_the_factor_off(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A code that is not the app's turns nothing on (401)."""
    await signed_in_admin(http, web, smtp)
    refused = await post_form(http, ACCOUNT_PAGE, ACCOUNT_PAGE, {"code": "000000"})
    assert refused.status_code == 401
    assert "Two-step verification is off." in (await http.get(f"{ACCOUNT_PAGE}?lang=en")).text


async def test_a_user_without_a_factor_signs_in_with_the_password_alone(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A partner user who chose no factor, in an organization that requires none, is in."""
    await signed_in_admin(http, web, smtp)
    assert (await http.get("/organization")).status_code == 200


async def test_the_admin_requires_it_and_a_user_without_one_enrols_at_next_sign_in(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Required by the admin, a user without a factor is sent to enrol after the password."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited_and_active(http, web, smtp, email)
    await _turn_on(http)
    saved = await post_form(
        http, "/organization", "/organization/second-factor", {"second_factor_required": "on"}
    )
    assert saved.headers["location"] == "/organization?done=factor-saved"
    async with httpx.AsyncClient(base_url=web.url) as user:
        assert (await sign_in(user, email, STRONG_PASSWORD)).status_code == 303
        closed = await user.get("/organization")
        assert closed.headers["location"] == f"{SITE_FACTOR_PAGE}?next=/organization"
        assert setup_key_in((await user.get(SITE_FACTOR_PAGE)).text)


async def test_the_requirement_is_in_the_audit_log(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Requiring a factor is an audit entry by the admin's id; saving it again adds none."""
    admin_id = await user_id_of(stores, await signed_in_admin(http, web, smtp))
    await _turn_on(http)
    form = {"second_factor_required": "on"}
    for _ in range(2):
        await post_form(http, "/organization", "/organization/second-factor", form)
    entries = await stores.commerce.fetch(
        """SELECT actor, action FROM audit_log
           WHERE actor = $1 AND action LIKE 'second_factor%'""",
        admin_id,
    )
    assert [(e["actor"], e["action"]) for e in entries] == [(admin_id, "second_factor_required")]


async def test_only_the_admin_can_require_it(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A user who is not the admin gets 403 for the organization's setting."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited_and_active(http, web, smtp, email)
    async with httpx.AsyncClient(base_url=web.url) as user:
        assert (await sign_in(user, email, STRONG_PASSWORD)).status_code == 303
        refused = await post_form(
            user, "/organization", "/organization/second-factor", {"second_factor_required": "on"}
        )
        assert refused.status_code == 403
