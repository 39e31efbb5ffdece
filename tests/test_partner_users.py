"""A partner admin manages the organization's users, against the real stack."""

from __future__ import annotations

import asyncio

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import (
    STRONG_PASSWORD,
    csrf_in,
    invite,
    link_in,
    post_form,
    set_password,
    sign_in,
    signed_in_admin,
    wait_for_email,
)
from tests.conftest import WebApp
from tests.member_helpers import invited, invited_and_active, new_email, user_id_of
from workflows.invitation import InvitationWorkflow


async def test_an_invited_user_activates_and_signs_in_without_admin_rights(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, client: Client
) -> None:
    """The invitee gets an email with a link, signs in, and sees no "Add a user"."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited_and_active(http, web, smtp, email)
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        assert (await sign_in(invitee, email, STRONG_PASSWORD)).status_code == 303
        page = await invitee.get("/organization?lang=en")
        assert page.status_code == 200
        assert "Add a user" not in page.text
        assert (await invitee.get("/organization/users/new")).status_code == 403
        posted = await invitee.post(
            "/organization/users",
            data={"first_name": "A", "last_name": "B", "email": new_email(),
                  "csrf_token": csrf_in(page.text)},
        )  # fmt: skip
        assert posted.status_code == 403
    assert "Add a user" in (await http.get("/organization?lang=en")).text
    # The activation told the invitation, which ended at once instead of waiting to remind.
    invitation = await stores.commerce.fetchval(
        "SELECT invitation_id FROM site_users WHERE lower(email) = $1", email.lower()
    )
    handle = client.get_workflow_handle_for(InvitationWorkflow.run, invitation)
    state = await asyncio.wait_for(handle.result(), timeout=30)
    assert (state.status, state.reminded) == ("activated", False)


async def test_a_double_submit_invites_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, client: Client
) -> None:
    """Two posts of the same invitation at once: both answered as sent, one user, one email."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    posts = await asyncio.gather(invite(http, email), invite(http, email))
    assert [p.status_code for p in posts] == [303, 303]
    await wait_for_email(smtp, email, "invites you")
    user = await stores.commerce.fetchrow(
        "SELECT count(*) OVER () AS n, invitation_id FROM site_users WHERE lower(email) = $1",
        email.lower(),
    )
    assert user is not None
    assert user["n"] == 1
    handle = client.get_workflow_handle_for(InvitationWorkflow.run, user["invitation_id"])
    assert (await handle.query(InvitationWorkflow.state)).emails_sent == 1


async def test_an_email_in_use_is_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Inviting an email that belongs to a site user anywhere is a field error."""
    admin = await signed_in_admin(http, web, smtp)
    refused = await invite(http, admin)
    assert refused.status_code == 422
    assert "This email already belongs to a user or to a request in progress." in refused.text


async def test_spending_limits_are_checked(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A negative, non-numeric or over-the-credit-limit spending limit is a field error."""
    await signed_in_admin(http, web, smtp)
    for limit, message in (
        ("-1", "Use zero or more."),
        ("lots", "Enter an amount in figures"),
        ("1000001", "more than the organization&#39;s credit limit"),
    ):
        refused = await invite(http, new_email(), spending_limit=limit)
        assert refused.status_code == 422, limit
        assert 'id="spending_limit-error"' in refused.text, limit
        assert message in refused.text, limit


async def test_a_removed_user_is_signed_out_and_cannot_sign_in(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Remove ends the user's session at once, and sign-in fails afterwards; the audit log
    names each actor by account id."""
    admin_id = await user_id_of(stores, await signed_in_admin(http, web, smtp))
    email = new_email()
    await invited_and_active(http, web, smtp, email)
    user_id = await user_id_of(stores, email)
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        await sign_in(invitee, email, STRONG_PASSWORD)
        page = f"/organization/users/{user_id}"
        removed = await post_form(http, page, f"{page}/remove", {})
        assert removed.status_code == 303
        assert (await invitee.get("/organization")).status_code == 303
        assert (await sign_in(invitee, email, STRONG_PASSWORD)).status_code == 401
    actions = await stores.commerce.fetch(
        "SELECT action, actor FROM audit_log WHERE site_user_id = $1 ORDER BY id", user_id
    )
    assert [(a["action"], a["actor"]) for a in actions] == [
        ("invited", admin_id), ("activated", user_id), ("removed", admin_id),
    ]  # fmt: skip


async def test_edits_are_kept_in_the_audit_log(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Invite, edit and remove (of a pending invitation: its cancel) make one entry each."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited(http, smtp, email, spending_limit="5000")
    user_id = await user_id_of(stores, email)
    page = f"/organization/users/{user_id}"
    saved = await post_form(
        http, page, page, {"first_name": "Kenji", "last_name": "Ito", "spending_limit": "7000"}
    )
    assert saved.status_code == 303
    await post_form(http, page, f"{page}/remove", {})
    log = await http.get("/organization/audit?lang=en")
    rows = [r for r in log.text.split("<tr>") if email in r]
    assert [r.split("<td>")[3].split("</td>")[0] for r in rows] == [
        "cancelled",
        "edited",
        "invited",
    ]
    assert "first_name: Ken, spending_limit: 5000" in rows[1]
    assert "first_name: Kenji, spending_limit: 7000" in rows[1]


async def test_an_admin_cannot_reach_another_organizations_user(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Another organization's user is unknown here: 404, and nothing changes."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited(http, smtp, email)
    user_id = await user_id_of(stores, email)
    async with httpx.AsyncClient(base_url=web.url) as other:
        await signed_in_admin(other, web, smtp)
        html = (await other.get("/organization")).text
        assert (await other.get(f"/organization/users/{user_id}")).status_code == 404
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        removed = await other.post(
            f"/organization/users/{user_id}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 404
    status = await stores.commerce.fetchval("SELECT status FROM site_users WHERE id = $1", user_id)
    assert status == "invited"


async def test_a_post_without_the_csrf_token_changes_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An admin action posted without the anti-CSRF token is refused with 403."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    refused = await http.post(
        "/organization/users", data={"first_name": "K", "last_name": "I", "email": email}
    )
    assert refused.status_code == 403
    assert (
        await stores.commerce.fetchval(
            "SELECT count(*) FROM site_users WHERE lower(email) = lower($1)", email
        )
        == 0
    )


async def test_make_admin_takes_the_password_and_keeps_the_admin(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A wrong password changes nothing; the right one makes the user an admin too (the
    admin stays one) and tells them."""
    admin = await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited_and_active(http, web, smtp, email)
    user_id = await user_id_of(stores, email)
    page = f"/organization/users/{user_id}"
    wrong = await post_form(http, page, f"{page}/make-admin?lang=en", {"password": "nope"})
    assert wrong.status_code == 422
    right = await post_form(http, page, f"{page}/make-admin", {"password": STRONG_PASSWORD})
    assert right.status_code == 303
    roles = await stores.commerce.fetch(
        """SELECT u.email, m.role FROM site_users u JOIN customer_hierarchy_members m
           ON m.customer_id = u.customer_id WHERE lower(u.email) = ANY($1::text[])""",
        [admin.lower(), email.lower()],
    )
    assert {r["email"].lower(): r["role"] for r in roles} == {
        admin.lower(): "admin",
        email.lower(): "admin",
    }
    await wait_for_email(smtp, email, "administrator")
    assert (await http.get("/organization/users/new")).status_code == 200


async def test_the_admin_cannot_remove_themselves(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The last admin's own removal is refused with a message, and they stay admin."""
    admin = await signed_in_admin(http, web, smtp)
    page = f"/organization/users/{await user_id_of(stores, admin)}"
    refused = await post_form(http, page, f"{page}/remove", {})
    assert refused.headers["location"] == f"{page}?problem=users.admin_stays"
    shown = await http.get(refused.headers["location"] + "&lang=en")
    assert "make another user an administrator first" in shown.text
    assert "Add a user" in (await http.get("/organization?lang=en")).text


async def test_a_removed_invitee_restored_is_invited_again(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Restore of a user who never activated sends a new invitation whose link works."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited(http, smtp, email)
    page = f"/organization/users/{await user_id_of(stores, email)}"
    assert (await post_form(http, page, f"{page}/remove", {})).status_code == 303
    restored = await post_form(http, page, f"{page}/restore", {})
    assert restored.headers["location"] == f"{page}?done=restore"
    second = (await wait_for_email(smtp, email, "invites you", count=2))[1]
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        assert (await set_password(invitee, link_in(second), STRONG_PASSWORD)).status_code == 303
        assert (await sign_in(invitee, email, STRONG_PASSWORD)).status_code == 303


async def test_resend_sends_a_new_invitation_and_is_audited(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Resend sends the invitation again with a link of its own, and the log says who."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited(http, smtp, email)
    user_id = await user_id_of(stores, email)
    page = f"/organization/users/{user_id}"
    assert (await post_form(http, page, f"{page}/resend", {})).status_code == 303
    first, second = await wait_for_email(smtp, email, "invites you", count=2)
    assert first["Message-ID"] != second["Message-ID"]
    assert link_in(first) != link_in(second)
    actions = await stores.commerce.fetch(
        "SELECT action FROM audit_log WHERE site_user_id = $1 ORDER BY id", user_id
    )
    assert [a["action"] for a in actions] == ["invited", "invitation_resent"]


async def test_erasing_the_organization_takes_its_invited_users(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, client: Client
) -> None:
    """Erasure stops the waiting invitations and leaves none of the organization's rows."""
    admin = await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited(http, smtp, email)
    user = await stores.commerce.fetchrow(
        "SELECT id, invitation_id, hierarchy_id FROM site_users WHERE lower(email) = $1",
        email.lower(),
    )
    assert user is not None
    reference = await stores.commerce.fetchval(
        "SELECT reference FROM prospects WHERE email = $1", admin
    )
    erased = await http.delete(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert erased.status_code == 204
    left = await stores.commerce.fetchval(
        """SELECT (SELECT count(*) FROM site_users WHERE hierarchy_id = $1)
                + (SELECT count(*) FROM audit_log WHERE hierarchy_id = $1)
                + (SELECT count(*) FROM customers WHERE lower(email) = $2)""",
        user["hierarchy_id"],
        email.lower(),
    )
    assert left == 0
    description = await client.get_workflow_handle(user["invitation_id"]).describe()
    assert description.status == WorkflowExecutionStatus.TERMINATED
