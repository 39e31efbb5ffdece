"""Staff switched off and on from the command line: `python -m starter staff disable`,
`enable`, `list` and `reset-factor`, each audited as the command line's."""

from __future__ import annotations

import httpx
import pytest

from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, sign_in, signed_in_staff
from tests.conftest import WebApp
from tests.staff_factor_helpers import STAFF_FACTOR_PAGE, enrol, staff_command

# Each test runs `python -m starter` once or more: on a busy machine, up to half a minute.
pytestmark = pytest.mark.slow


async def _account_id(stores: Stores, email: str) -> str:
    account = await stores.commerce_store().accounts.by_email("staff", email)
    assert account is not None
    return account.id


async def _audit(stores: Stores, email: str) -> list[tuple[str, str]]:
    rows = await stores.commerce.fetch(
        """SELECT l.actor, l.action FROM staff_audit_log l
           JOIN staff_accounts s ON s.id = l.staff_account_id
           WHERE lower(s.email) = lower($1) ORDER BY l.id""",
        email,
    )
    return [(r["actor"], r["action"]) for r in rows]


async def test_disable_signs_an_open_page_out_at_its_next_request(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A disabled member's open console is sent to sign in at the next request."""
    email = await signed_in_staff(http, stores, web)
    assert (await http.get("/sales/leads")).status_code == 200
    code, out = await staff_command(web, "disable", email)
    assert code == 0, out
    page = await http.get("/sales/leads")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/staff/sign-in?next=")


async def test_a_disabled_member_cannot_sign_in(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Once disabled, the right password gets the same refusal as a wrong one."""
    email = await signed_in_staff(http, stores, web)
    assert (await staff_command(web, "disable", email))[0] == 0
    async with httpx.AsyncClient(base_url=web.url) as other:
        assert (await sign_in(other, email, STRONG_PASSWORD, prefix="/staff")).status_code == 401


async def test_enable_lets_a_disabled_member_sign_in_again(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Enabled again, the member signs in with the password and their factor."""
    email = await signed_in_staff(http, stores, web)
    assert (await staff_command(web, "disable", email))[0] == 0
    code, out = await staff_command(web, "enable", email)
    assert code == 0, out
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    assert (await http.get(STAFF_FACTOR_PAGE)).status_code == 200
    assert 'id="setup-key"' not in (await http.get(STAFF_FACTOR_PAGE)).text


async def test_disable_and_enable_are_audited_as_the_command_lines(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Each change is logged once with the actor `cli`; repeating one logs nothing more."""
    email = await signed_in_staff(http, stores, web)
    for command in ("disable", "disable", "enable"):
        assert (await staff_command(web, command, email))[0] == 0
    assert await _audit(stores, email) == [
        (await _account_id(stores, email), "second_factor_enrolled"),
        ("cli", "disabled"),
        ("cli", "enabled"),
    ]


async def test_list_shows_status_last_sign_in_and_second_factor(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """`staff list` has a row per member: email, name, status, last sign-in, factor."""
    email = await signed_in_staff(http, stores, web, "Kenji Ito")
    assert (await staff_command(web, "disable", email))[0] == 0
    code, out = await staff_command(web, "list")
    assert code == 0, out
    header, *rows = out.splitlines()
    assert header.split() == ["email", "name", "status", "last", "sign-in", "second", "factor"]
    [row] = [line for line in rows if line.startswith(email)]
    assert row.split()[1:4] == ["Kenji", "Ito", "disabled"]
    assert row.split()[-1] == "yes"
    assert row.split()[-2] == "UTC"


async def test_reset_factor_ends_sessions_and_makes_the_member_enrol_again(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """After a reset, the open page is signed out and the next sign-in enrols anew."""
    email = await signed_in_staff(http, stores, web)
    code, out = await staff_command(web, "reset-factor", email)
    assert code == 0, out
    assert (await http.get("/sales/leads")).headers["location"].startswith("/staff/sign-in?")
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    await enrol(http)
    assert (await http.get("/sales/leads")).status_code == 200
    assert (await _audit(stores, email))[1] == ("cli", "second_factor_reset")


async def test_an_unknown_email_is_an_error(web: WebApp) -> None:
    """A command about nobody exits non-zero and says so."""
    code, out = await staff_command(web, "disable", "nobody.here@shop.example")
    assert code != 0
    assert "no staff account has the email nobody.here@shop.example" in out


async def test_staff_add_for_a_disabled_member_prints_no_link(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """`staff add` gives a disabled member no link (none would work) and says to enable."""
    email = await signed_in_staff(http, stores, web)
    assert (await staff_command(web, "disable", email))[0] == 0
    code, out = await staff_command(web, "add", email, "Kenji Ito")
    assert code != 0
    assert "token=" not in out
    assert f"python -m starter staff enable {email} first" in out
