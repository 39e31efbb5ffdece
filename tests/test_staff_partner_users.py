"""Staff and an organization's site users: the API's list, block and unblock, and the back
office's buttons, against the real stack."""

from __future__ import annotations

import uuid

import httpx
import pytest

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import (
    STRONG_PASSWORD,
    activated_partner,
    csrf_in,
    sign_in,
    signed_in_staff,
    wait_for_email,
)
from tests.buyer_helpers import member
from tests.conftest import WebApp


async def _partner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, admins: int = 1
) -> tuple[str, str, str]:
    """An approved partner's activated admin: their email, hierarchy id and site user id."""
    email = await activated_partner(http, web, smtp)
    row = await stores.commerce.fetchrow(
        "SELECT id, hierarchy_id FROM site_users WHERE lower(email) = lower($1)", email
    )
    assert row is not None
    for _ in range(admins - 1):
        await member(stores, row["hierarchy_id"], "admin")
    return email, row["hierarchy_id"], row["id"]


def _unknown(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def test_the_api_lists_the_activated_admin(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """After activation the organization's one site user is its admin, active, not blocked."""
    email, hierarchy_id, user_id = await _partner(http, web, smtp, stores)
    response = await http.get(
        f"/api/commerce/customer-hierarchies/{hierarchy_id}/site-users", headers=web.staff()
    )
    assert response.status_code == 200
    [user] = response.json()
    assert (user["site_user_id"], user["email"], user["role"]) == (user_id, email, "admin")
    assert (user["status"], user["blocked"]) == ("active", False)


async def test_blocking_ends_the_session_and_refuses_sign_in(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A block through the API signs the user out at once and refuses their password."""
    email, _, user_id = await _partner(http, web, smtp, stores, admins=2)
    async with httpx.AsyncClient(base_url=web.url) as partner:
        assert (await sign_in(partner, email, STRONG_PASSWORD)).status_code == 303
        blocked = await http.post(f"/api/commerce/site-users/{user_id}/block", headers=web.staff())
        assert (blocked.status_code, blocked.json()["blocked"]) == (200, True)
        assert (await partner.get("/organization")).status_code == 303
        assert (await sign_in(partner, email, STRONG_PASSWORD)).status_code == 401


async def test_unblocking_lets_the_user_sign_in_again(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """After unblock the user signs in with their password as before."""
    email, _, user_id = await _partner(http, web, smtp, stores, admins=2)
    await http.post(f"/api/commerce/site-users/{user_id}/block", headers=web.staff())
    unblocked = await http.post(f"/api/commerce/site-users/{user_id}/unblock", headers=web.staff())
    assert (unblocked.status_code, unblocked.json()["blocked"]) == (200, False)
    assert unblocked.json()["status"] == "active"
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 303


async def test_each_block_is_audited_once_in_the_staff_members_name(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The audit log names the acting program as `api:<name>`; a repeated block adds no
    entry."""
    _, hierarchy_id, user_id = await _partner(http, web, smtp, stores, admins=2)
    staff_name = f"Rep {uuid.uuid4().hex[:6]}"
    for _ in range(2):
        response = await http.post(
            f"/api/commerce/site-users/{user_id}/block", headers=web.staff(staff_name)
        )
        assert response.status_code == 200
    entries = await stores.commerce_store().partner_users.audit(hierarchy_id)
    blocks = [(e["actor"], e["site_user_id"]) for e in entries if e["action"] == "blocked"]
    assert blocks == [(f"api:{staff_name}", user_id)]


async def test_an_unknown_hierarchy_has_no_site_users(http: httpx.AsyncClient, web: WebApp) -> None:
    """Listing the users of a hierarchy that does not exist answers 404."""
    path = f"/api/commerce/customer-hierarchies/{_unknown('HIER')}/site-users"
    assert (await http.get(path, headers=web.staff())).status_code == 404


@pytest.mark.parametrize("action", ["block", "unblock"])
async def test_an_unknown_site_user_cannot_be_blocked(
    http: httpx.AsyncClient, web: WebApp, action: str
) -> None:
    """Blocking or unblocking a site user id that does not exist answers 404."""
    path = f"/api/commerce/site-users/{_unknown('SU')}/{action}"
    assert (await http.post(path, headers=web.staff())).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/commerce/customer-hierarchies/{}/site-users"),
        ("POST", "/api/commerce/site-users/{}/block"),
        ("POST", "/api/commerce/site-users/{}/unblock"),
    ],
)
async def test_the_site_user_api_needs_the_staff_token(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    """Without the bearer token each site-user endpoint answers 401."""
    response = await http.request(method, path.format(_unknown("ID")))
    assert response.status_code == 401


async def test_the_back_office_block_button_blocks(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The hierarchy page's Block form, posted with its token, blocks and comes back to it."""
    email, hierarchy_id, user_id = await _partner(http, web, smtp, stores, admins=2)
    await signed_in_staff(http, stores, web)
    page = await http.get(f"/commerce/customer-hierarchies/{hierarchy_id}")
    assert f'action="/commerce/site-users/{user_id}/block"' in page.text
    response = await http.post(
        f"/commerce/site-users/{user_id}/block", data={"csrf_token": csrf_in(page.text)}
    )
    assert response.status_code == 303
    back = await http.get(response.headers["location"])
    assert f"{email} is blocked and signed out." in back.text
    assert '<td class="status">blocked</td>' in back.text
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 401


async def test_a_back_office_post_without_the_csrf_token_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A Block post without the page's anti-CSRF token gets 403 and blocks no one."""
    _, hierarchy_id, user_id = await _partner(http, web, smtp, stores)
    await signed_in_staff(http, stores, web)
    response = await http.post(f"/commerce/site-users/{user_id}/block")
    assert response.status_code == 403
    users = await stores.commerce_store().partner_users.users(hierarchy_id)
    assert [u["blocked"] for u in users] == [False]


async def test_the_back_office_resends_a_link(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Resend on an active user emails them a link to set a new password."""
    email, hierarchy_id, user_id = await _partner(http, web, smtp, stores)
    await signed_in_staff(http, stores, web)
    page = await http.get(f"/commerce/customer-hierarchies/{hierarchy_id}")
    response = await http.post(
        f"/commerce/site-users/{user_id}/resend-link", data={"csrf_token": csrf_in(page.text)}
    )
    assert response.status_code == 303
    await wait_for_email(smtp, email, "reset your password")
