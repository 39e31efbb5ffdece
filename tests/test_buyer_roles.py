"""A buyer organization's roles, limits and threshold as its admins set them: several admins
but never none (the database's rule, under concurrent changes too), the user page's Role,
Spending limit and Monthly budget, the settings page's Approval threshold, field errors that
change nothing, and audit rows by account id."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import httpx
import pytest

from devstack.smtp import SmtpSink
from domain.errors import LastAdmin
from plumbing.stores import Stores
from tests.account_helpers import post_form, signed_in_admin
from tests.buyer_helpers import hierarchy_of, member
from tests.conftest import WebApp
from tests.member_helpers import user_id_of

SETTINGS = "/organization/settings?lang=en"


def labelled(html: str, label: str) -> str:
    """The id of the control whose label reads `label` (a marker may follow it)."""
    found = re.search(rf'<label for="([^"]+)">{re.escape(label)}[ <(]', html)
    assert found is not None, label
    return found.group(1)


async def admin_page(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> tuple[str, str, str, str]:
    """The signed-in admin's id, organization, and the page of a buyer of theirs."""
    email = await signed_in_admin(http, web, smtp)
    admin_id = await user_id_of(stores, email)
    hierarchy_id = await hierarchy_of(stores, admin_id)
    buyer = await member(stores, hierarchy_id, "buyer")
    return admin_id, hierarchy_id, buyer, f"/organization/users/{buyer}?lang=en"


async def roles(stores: Stores, hierarchy_id: str) -> dict[str, str]:
    rows = await stores.commerce.fetch(
        """SELECT u.id, m.role FROM site_users u JOIN customer_hierarchy_members m
           ON m.hierarchy_id = u.hierarchy_id AND m.customer_id = u.customer_id
           WHERE u.hierarchy_id = $1""",
        hierarchy_id,
    )
    return {r["id"]: r["role"] for r in rows}


async def test_two_admins_demoting_each_other_at_once_leave_one(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Each of two admins makes the other a buyer at the same time: one wins, one is refused."""
    admin_id, hierarchy_id, _, _ = await admin_page(http, web, smtp, stores)
    other = await member(stores, hierarchy_id, "admin")
    users = stores.commerce_store().partner_users
    for round_ in range(5):
        results = await asyncio.gather(
            users.edit(hierarchy_id, other, {"role": "buyer"}, admin_id, f"a{round_}-{other}"),
            users.edit(hierarchy_id, admin_id, {"role": "buyer"}, other, f"b{round_}-{admin_id}"),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["LastAdmin", "bool"]
        assert list((await roles(stores, hierarchy_id)).values()).count("admin") == 1
        # Both admins again for the next round.
        demoted = admin_id if isinstance(results[1], bool) else other
        await users.edit(hierarchy_id, demoted, {"role": "admin"}, "test", f"c{round_}")


async def test_the_last_admin_is_neither_removed_nor_blocked(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Removing or blocking the organization's only admin is refused and changes nothing."""
    admin_id, hierarchy_id, _, _ = await admin_page(http, web, smtp, stores)
    store = stores.commerce_store()
    with pytest.raises(LastAdmin):
        await store.memberships.move(hierarchy_id, admin_id, "removed", "x", f"r-{admin_id}")
    blocked = await http.post(f"/api/commerce/site-users/{admin_id}/block", headers=web.staff())
    assert blocked.status_code == 409
    assert await store.memberships.status_of(admin_id) == "active"


async def test_the_user_page_sets_role_limit_and_budget_by_label(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Role (Admin, Approver, Buyer), Spending limit, Monthly budget, Save: saved and audited."""
    admin_id, hierarchy_id, buyer, page = await admin_page(http, web, smtp, stores)
    html = (await http.get(page)).text
    fields = {name: labelled(html, name) for name in ("Role", "Spending limit", "Monthly budget")}
    options = re.findall(r'<option value="(\w+)"[^>]*>(\w+)</option>', html)
    assert options == [("admin", "Admin"), ("approver", "Approver"), ("buyer", "Buyer")]
    assert re.search(r'<button type="submit">Save</button>', html)
    values = {"first_name": "Ken", "last_name": "Ito"}
    values |= {fields["Role"]: "approver", fields["Spending limit"]: "5000"}
    values |= {fields["Monthly budget"]: "20000"}
    saved = await post_form(http, page, page, values)
    assert saved.status_code == 303
    row = await stores.commerce.fetchrow(
        "SELECT spending_limit, monthly_budget FROM site_users WHERE id = $1", buyer
    )
    assert row is not None
    assert (row["spending_limit"], row["monthly_budget"]) == (Decimal(5000), Decimal(20000))
    assert (await roles(stores, hierarchy_id))[buyer] == "approver"
    entry = await stores.commerce.fetchrow(
        "SELECT actor, after FROM audit_log WHERE site_user_id = $1 AND action = 'edited'", buyer
    )
    assert entry is not None
    assert entry["actor"] == admin_id
    assert all(k in entry["after"] for k in ("role", "spending_limit", "monthly_budget"))


async def test_bad_limits_are_field_errors_that_change_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A negative or non-numeric limit or budget: 422 naming the field, nothing stored."""
    _, _, buyer, page = await admin_page(http, web, smtp, stores)
    for field, typed in (
        ("monthly_budget", "-1"), ("monthly_budget", "lots"), ("spending_limit", "-5"),
        ("spending_limit", "1,000"),
    ):  # fmt: skip
        values = {"first_name": "Kenji", "last_name": "Ito", "role": "approver", field: typed}
        refused = await post_form(http, page, page, values)
        assert refused.status_code == 422, (field, typed)
        assert f'id="{field}-error"' in refused.text, (field, typed)
    row = await stores.commerce.fetchrow(
        "SELECT spending_limit, monthly_budget FROM site_users WHERE id = $1", buyer
    )
    assert row is not None
    assert (row["spending_limit"], row["monthly_budget"]) == (None, None)


async def test_demoting_the_last_admin_is_a_role_error(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The only admin saving their own page as Buyer: 422 on Role, their name unchanged."""
    admin_id, hierarchy_id, _, _ = await admin_page(http, web, smtp, stores)
    page = f"/organization/users/{admin_id}?lang=en"
    values = {"first_name": "Changed", "last_name": "Sato", "role": "buyer"}
    refused = await post_form(http, page, page, values)
    assert refused.status_code == 422
    assert 'id="role-error"' in refused.text
    assert (await roles(stores, hierarchy_id))[admin_id] == "admin"
    first = await stores.commerce.fetchval(
        "SELECT c.first_name FROM customers c JOIN site_users u ON u.customer_id = c.id"
        " WHERE u.id = $1",
        admin_id,
    )
    assert first != "Changed"


async def test_an_admin_steps_down_once_another_admin_exists(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Step down is refused for the only admin, and makes a buyer once there is another."""
    admin_id, hierarchy_id, buyer, _ = await admin_page(http, web, smtp, stores)
    page = f"/organization/users/{admin_id}?lang=en"
    action = f"/organization/users/{admin_id}/step-down"
    refused = await post_form(http, page, action, {})
    assert refused.headers["location"].endswith("problem=users.last_admin")
    await stores.commerce.execute(
        """UPDATE customer_hierarchy_members SET role = 'admin' WHERE customer_id =
           (SELECT customer_id FROM site_users WHERE id = $1)""",
        buyer,
    )
    done = await post_form(http, page, action, {})
    assert done.headers["location"] == "/organization?done=step-down"
    assert (await roles(stores, hierarchy_id))[admin_id] == "buyer"


async def test_the_settings_page_sets_the_threshold_by_label(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Approval threshold + Save: stored on the organization, audited by the admin's id."""
    admin_id, hierarchy_id, _, _ = await admin_page(http, web, smtp, stores)
    html = (await http.get(SETTINGS)).text
    field = labelled(html, "Approval threshold")
    saved = await post_form(http, SETTINGS, SETTINGS, {field: "30000"})
    assert saved.status_code == 303
    threshold = await stores.commerce.fetchval(
        """SELECT c.approval_threshold FROM credit_limits c JOIN customer_hierarchies h
           ON h.organization_customer_id = c.customer_id WHERE h.id = $1""",
        hierarchy_id,
    )
    assert threshold == Decimal(30000)
    actor = await stores.commerce.fetchval(
        "SELECT actor FROM audit_log WHERE hierarchy_id = $1 AND action = 'threshold_changed'",
        hierarchy_id,
    )
    assert actor == admin_id


async def test_a_bad_threshold_is_a_field_error_that_changes_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Negative, not a number, or above the credit limit: 422 naming the field, none set."""
    _, hierarchy_id, _, _ = await admin_page(http, web, smtp, stores)
    for typed in ("-1", "abc", "1000001", "10.5"):
        refused = await post_form(http, SETTINGS, SETTINGS, {"approval_threshold": typed})
        assert refused.status_code == 422, typed
        assert 'id="approval_threshold-error"' in refused.text, typed
    threshold = await stores.commerce.fetchval(
        """SELECT c.approval_threshold FROM credit_limits c JOIN customer_hierarchies h
           ON h.organization_customer_id = c.customer_id WHERE h.id = $1""",
        hierarchy_id,
    )
    assert threshold is None


async def test_only_an_admin_reaches_the_settings_page(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """After stepping down (another admin exists) the settings page answers 403."""
    admin_id, hierarchy_id, _, _ = await admin_page(http, web, smtp, stores)
    await member(stores, hierarchy_id, "admin")
    page = f"/organization/users/{admin_id}?lang=en"
    await post_form(http, page, f"/organization/users/{admin_id}/step-down", {})
    assert (await http.get(SETTINGS)).status_code == 403
