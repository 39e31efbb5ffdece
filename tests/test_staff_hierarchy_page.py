"""The back office's customer hierarchy page as staff read it: one list of the members, the
link each user can use, and an audit log in words, against the real stack."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import (
    STRONG_PASSWORD,
    link_in,
    post_form,
    set_password,
    signed_in_admin,
    signed_in_staff,
    wait_for_email,
)
from tests.conftest import WebApp
from tests.member_helpers import invited, new_email

MEMBER_ROW = re.compile(r'<tr id="site-user-([^"]+)">(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
ACTIVATION = "Resend activation link"
RESET = "Send password reset link"


@dataclass(frozen=True)
class Organization:
    """An approved partner's active admin and the user they invited with a spending limit."""

    hierarchy_id: str
    admin_email: str
    invitee_email: str
    invitee_id: str

    @property
    def page(self) -> str:
        return f"/commerce/customer-hierarchies/{self.hierarchy_id}"


async def _organization(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> Organization:
    """The admin signs in on `http` and invites a user whose spending limit is 50,000 JPY;
    then a staff member signs in on `http` too (the two audiences' cookies differ)."""
    admin_email = await signed_in_admin(http, web, smtp)
    invitee_email = new_email()
    await invited(http, smtp, invitee_email, spending_limit="50000")
    row = await stores.commerce.fetchrow(
        "SELECT id, hierarchy_id FROM site_users WHERE lower(email) = lower($1)", invitee_email
    )
    assert row is not None
    await signed_in_staff(http, stores, web)
    return Organization(row["hierarchy_id"], admin_email, invitee_email, row["id"])


def _members(html: str) -> dict[str, str]:
    """Each row of the page's members table by its email, as the row's HTML."""
    table = html.split('<table id="members">', 1)[1].split("</table>", 1)[0]
    return {CELL.findall(row)[1]: row for _, row in MEMBER_ROW.findall(table)}


def _audit(html: str) -> str:
    return html.split('<table id="audit">', 1)[1].split("</table>", 1)[0]


async def test_the_page_lists_each_member_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The admin and the invited user are rows of one table; no second list repeats them."""
    org = await _organization(http, web, smtp, stores)
    html = (await http.get(org.page)).text
    assert list(_members(html)) == [org.admin_email, org.invitee_email]
    before_the_audit_log = html.split('<table id="audit">', 1)[0]
    assert before_the_audit_log.count(org.admin_email) == 1
    assert before_the_audit_log.count(org.invitee_email) == 1


async def test_a_members_row_has_status_spending_limit_and_sign_in(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The one row says role, status, spending limit (whole yen) and last sign-in."""
    org = await _organization(http, web, smtp, stores)
    row = _members((await http.get(org.page)).text)[org.invitee_email]
    assert CELL.findall(row)[1:6] == [org.invitee_email, "buyer", "invited", "50,000 JPY", "—"]


@pytest.mark.parametrize(
    ("member", "offered", "withheld"),
    [("admin_email", RESET, ACTIVATION), ("invitee_email", ACTIVATION, RESET)],
    ids=["active-admin-reset", "invited-user-activation"],
)
async def test_a_members_row_offers_the_link_their_status_calls_for(
    http: httpx.AsyncClient,
    web: WebApp,
    smtp: SmtpSink,
    stores: Stores,
    member: str,
    offered: str,
    withheld: str,
) -> None:
    """The activated admin's row offers a reset link; the row of a user who has not
    activated yet offers the activation link again; neither offers the other link."""
    org = await _organization(http, web, smtp, stores)
    row = _members((await http.get(org.page)).text)[getattr(org, member)]
    assert (offered in row, withheld in row) == (True, False)


async def test_a_blocked_user_is_offered_no_link(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Once blocked, a user's row offers neither link, only Unblock."""
    org = await _organization(http, web, smtp, stores)
    blocked = await http.post(
        f"/api/commerce/site-users/{org.invitee_id}/block", headers=web.staff()
    )
    assert blocked.status_code == 200
    row = _members((await http.get(org.page)).text)[org.invitee_email]
    assert (ACTIVATION in row, RESET in row, ">Unblock</button>" in row) == (False, False, True)


async def test_the_audit_log_says_how_a_spending_limit_changed(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An edit of the spending limit reads "Spending limit: 50,000 JPY → 100,000 JPY"."""
    org = await _organization(http, web, smtp, stores)
    user_page = f"/organization/users/{org.invitee_id}"
    details = {"first_name": "Ken", "last_name": "Ito", "spending_limit": "100000"}
    assert (await post_form(http, user_page, user_page, details)).status_code == 303
    audit = _audit((await http.get(org.page)).text)
    assert "<td>Spending limit: 50,000 JPY → 100,000 JPY</td>" in audit


async def test_the_audit_log_says_what_an_invitation_set(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An invitation has no before: its entry lists each value it set, one a line."""
    org = await _organization(http, web, smtp, stores)
    audit = _audit((await http.get(org.page)).text)
    assert f"<td>Email: {org.invitee_email}<br>First name: Ken<br>" in audit
    assert "<br>Spending limit: 50,000 JPY<br>Role: buyer</td>" in audit


async def test_the_audit_log_says_an_activation_changed_the_status(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The admin's own activation reads "Status: invited → active"."""
    org = await _organization(http, web, smtp, stores)
    audit = _audit((await http.get(org.page)).text)
    assert f"<td>activated</td><td>{org.admin_email}</td><td>Status: invited → active</td>" in audit


async def test_the_audit_log_says_a_hand_over_changed_the_role(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Handing the admin role to a user reads "Role: user → admin" on that user's entry."""
    org = await _organization(http, web, smtp, stores)
    [invitation] = await wait_for_email(smtp, org.invitee_email, "invites you")
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        activated = await set_password(invitee, link_in(invitation), STRONG_PASSWORD)
        assert activated.status_code == 303
    user_page = f"/organization/users/{org.invitee_id}"
    handed = await post_form(
        http, user_page, f"{user_page}/make-admin", {"password": STRONG_PASSWORD}
    )
    assert handed.status_code == 303
    audit = _audit((await http.get(org.page)).text)
    assert f"<td>{org.invitee_email}</td><td>Role: user → admin</td>" in audit


async def test_the_audit_log_is_labelled_in_the_pages_language(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """On the Japanese page the changed field is named in Japanese."""
    org = await _organization(http, web, smtp, stores)
    audit = _audit((await http.get(f"{org.page}?lang=ja")).text)
    assert "<td>ステータス: invited → active</td>" in audit


async def test_blocking_the_only_admin_says_why_and_changes_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Blocking the organization's only admin from the page returns to it with the reason."""
    org = await _organization(http, web, smtp, stores)
    admin_id = await stores.commerce.fetchval(
        "SELECT id FROM site_users WHERE lower(email) = lower($1)", org.admin_email
    )
    action = f"/commerce/site-users/{admin_id}/block"
    refused = await post_form(http, org.page, action, {})
    assert refused.status_code == 303
    page = (await http.get(refused.headers["location"])).text
    assert "stays unblocked: they are the organization&#39;s only admin who can act" in page
    assert ">Unblock</button>" not in _members(page)[org.admin_email]
