"""Who did what is kept as an account id (a staff account's, a site user's, or `api:<name>`
for a program); the name a page shows is looked up when it is read."""

from __future__ import annotations

from typing import Any

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, csrf_in, sign_in, signed_in_staff
from tests.buyer_helpers import hierarchy_of, member
from tests.conftest import WebApp
from tests.test_purchases import admin_decides, partner, waiting_order


async def _staff_id(stores: Stores, email: str) -> str:
    account = await stores.commerce_store().accounts.by_email("staff", email)
    assert account is not None
    return account.id


async def _hierarchy_page(stores: Stores, site_user_id: str) -> str:
    hierarchy_id = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE id = $1", site_user_id
    )
    return f"/commerce/customer-hierarchies/{hierarchy_id}"


async def _partner_and_staff(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, staff_name: str
) -> tuple[dict[str, Any], str]:
    """An approved partner's admin (made in a browser of their own), and a staff member
    named `staff_name` signed in on `http`: the admin, and the staff member's account id."""
    async with httpx.AsyncClient(base_url=web.url) as partner_browser:
        user = await partner(partner_browser, web, smtp, stores)
    email = await signed_in_staff(http, stores, web, staff_name)
    return user, await _staff_id(stores, email)


async def _block_actors(stores: Stores, site_user_id: str) -> list[str]:
    """Who the audit log says blocked the site user, oldest first."""
    actors = await stores.commerce.fetch(
        "SELECT actor FROM audit_log WHERE site_user_id = $1 AND action = 'blocked' ORDER BY id",
        site_user_id,
    )
    return [a["actor"] for a in actors]


async def test_a_credit_limit_change_keeps_the_staff_account_id(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The history stores the staff member's id; the page shows their name as it is now."""
    user, staff_id = await _partner_and_staff(http, web, smtp, stores, "Rep Before")
    page = await _hierarchy_page(stores, user["site_user_id"])
    html = (await http.get(page)).text
    form = {"csrf_token": csrf_in(html), "amount": "2000000", "reason": "A good year"}
    assert (await http.post(f"{page}/credit-limit", data=form)).status_code == 303
    await stores.commerce.execute(
        "UPDATE staff_accounts SET name = 'Rep After' WHERE id = $1", staff_id
    )
    changed_by = await stores.commerce.fetchval(
        "SELECT changed_by FROM credit_limit_changes WHERE customer_id = $1 AND reason = $2",
        user["customer_id"],
        "A good year",
    )
    assert changed_by == staff_id
    assert "<td>Rep After</td>" in (await http.get(page)).text


async def test_a_block_from_the_back_office_keeps_the_staff_account_id(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The audit entry of a block stores the staff member's id; the page shows the name."""
    user, staff_id = await _partner_and_staff(http, web, smtp, stores, "Rep Blocker")
    await member(stores, await hierarchy_of(stores, user["site_user_id"]), "admin")
    page = await _hierarchy_page(stores, user["site_user_id"])
    token = csrf_in((await http.get(page)).text)
    blocked = await http.post(
        f"/commerce/site-users/{user['site_user_id']}/block", data={"csrf_token": token}
    )
    assert blocked.status_code == 303
    assert await _block_actors(stores, user["site_user_id"]) == [staff_id]
    assert "<td>Rep Blocker</td>" in (await http.get(page)).text


async def test_an_admins_purchase_decision_keeps_their_site_user_id(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An order the admin declines records the admin's site user id as its decider."""
    user, body = await waiting_order(http, web, smtp, stores)
    assert (await sign_in(http, user["email"], STRONG_PASSWORD)).status_code == 303
    assert (await admin_decides(http, body["order_reference"], "decline")).status_code == 303
    decided_by = await stores.commerce.fetchval(
        "SELECT decided_by FROM purchase_authorizations WHERE order_reference = $1",
        body["order_reference"],
    )
    assert decided_by == user["site_user_id"]


async def test_a_programs_change_is_recorded_as_the_programs(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A block through the API with X-Staff-User is the program's (`api:<name>`), even when
    the name is a staff member's."""
    user, staff_id = await _partner_and_staff(http, web, smtp, stores, "Rep Named")
    await member(stores, await hierarchy_of(stores, user["site_user_id"]), "admin")
    path = f"/api/commerce/site-users/{user['site_user_id']}/block"
    assert (await http.post(path, headers=web.staff(staff_id))).status_code == 200
    assert await _block_actors(stores, user["site_user_id"]) == [f"api:{staff_id}"]
