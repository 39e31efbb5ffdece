"""Purchase authorization at checkout, against the real stack (SPEC.md, "Credit and
spending limits")."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, activated_partner, csrf_in, sign_in
from tests.buyer_helpers import hierarchy_of, member
from tests.conftest import WebApp

PATH = "/api/partner/purchase-authorizations"
STOREFRONT = {"Authorization": "Bearer storefront-token-for-tests"}


async def partner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> dict[str, Any]:
    """An approved partner's admin: site user id, organization customer id, email."""
    email = await activated_partner(http, web, smtp)
    row = await stores.commerce.fetchrow(
        """SELECT u.id, h.organization_customer_id AS customer_id FROM site_users u
           JOIN customer_hierarchies h ON h.id = u.hierarchy_id WHERE lower(u.email) = $1""",
        email.lower(),
    )
    assert row is not None
    return {"site_user_id": row["id"], "customer_id": row["customer_id"], "email": email}


def order(user: dict[str, Any], amount: Any = "1000", currency: str = "JPY") -> dict[str, Any]:
    return {
        "order_reference": f"ORD-{uuid.uuid4().hex[:12]}",
        "site_user_id": user["site_user_id"],
        "amount": amount,
        "currency": currency,
    }


async def credit(stores: Stores, user: dict[str, Any]) -> tuple[Decimal, Decimal]:
    row = await stores.commerce.fetchrow(
        "SELECT reserved, invoiced FROM credit_limits WHERE customer_id = $1", user["customer_id"]
    )
    assert row is not None
    return row["reserved"], row["invoiced"]


async def test_an_order_within_credit_is_approved_and_reserved_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Approved, the amount reserved; the same call again answers the same, reserves nothing."""
    user = await partner(http, web, smtp, stores)
    body = order(user, "25000")
    first = await http.post(PATH, json=body, headers=STOREFRONT)
    again = await http.post(PATH, json=body, headers=STOREFRONT)
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "approved"
    assert await credit(stores, user) == (Decimal("25000"), Decimal("0"))


async def test_a_reference_reused_for_another_amount_is_a_conflict(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The same order reference with a different amount gets 409 and changes nothing."""
    user = await partner(http, web, smtp, stores)
    body = order(user, "1000")
    await http.post(PATH, json=body, headers=STOREFRONT)
    reused = await http.post(PATH, json={**body, "amount": "2000"}, headers=STOREFRONT)
    assert reused.status_code == 409
    assert await credit(stores, user) == (Decimal("1000"), Decimal("0"))


async def test_orders_are_declined_with_their_reason(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Over the available credit, or in another currency: declined, with why, nothing reserved."""
    user = await partner(http, web, smtp, stores)
    over = await http.post(PATH, json=order(user, "1000001"), headers=STOREFRONT)
    dollars = await http.post(PATH, json=order(user, "10", "USD"), headers=STOREFRONT)
    assert (over.json()["status"], over.json()["reason"]) == ("declined", "insufficient_credit")
    assert (dollars.json()["status"], dollars.json()["reason"]) == ("declined", "wrong_currency")
    assert await credit(stores, user) == (Decimal("0"), Decimal("0"))


async def test_a_removed_user_is_declined(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A user who is not active cannot order."""
    user = await partner(http, web, smtp, stores)
    # Another admin first: the organization's last one cannot be removed.
    await member(stores, await hierarchy_of(stores, user["site_user_id"]), "admin")
    await stores.commerce_store().accounts.set_site_user_status(user["site_user_id"], "removed")
    answer = await http.post(PATH, json=order(user), headers=STOREFRONT)
    assert (answer.json()["status"], answer.json()["reason"]) == ("declined", "user_not_active")


async def test_bad_amounts_are_field_errors(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Zero, negative, too precise, not a number, huge, or yen with decimals: 422 on amount."""
    user = await partner(http, web, smtp, stores)
    for amount, currency in (
        ("0", "JPY"), (-5, "JPY"), ("1.234", "USD"), ("NaN", "USD"), ("1e20", "USD"),
        (10**20, "USD"), ("10.5", "JPY"), (10.5, "JPY"),
    ):  # fmt: skip
        answer = await http.post(PATH, json=order(user, amount, currency), headers=STOREFRONT)
        assert answer.status_code == 422, (amount, currency)
        assert answer.json()["detail"][0]["loc"][-1] == "amount", (amount, currency)
    assert await credit(stores, user) == (Decimal("0"), Decimal("0"))


async def test_who_may_call(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """No token: 401; an unknown user: 404; the storefront token on a staff endpoint: 403."""
    user = await partner(http, web, smtp, stores)
    assert (await http.post(PATH, json=order(user))).status_code == 401
    unknown = {**order(user), "site_user_id": "USR-nobody"}
    assert (await http.post(PATH, json=unknown, headers=STOREFRONT)).status_code == 404
    staff_only = await http.get("/api/commerce/prospects", headers=STOREFRONT)
    assert staff_only.status_code == 403
    assert (await http.post(PATH, json=order(user), headers=web.staff())).status_code == 200


async def test_invoice_consumes_and_cancel_releases(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Invoicing turns the reservation into an invoiced amount; cancelling releases it."""
    user = await partner(http, web, smtp, stores)
    kept, dropped = order(user, "3000"), order(user, "2000")
    for body in (kept, dropped):
        await http.post(PATH, json=body, headers=STOREFRONT)
    invoiced = await http.post(f"{PATH}/{kept['order_reference']}/invoice", headers=STOREFRONT)
    cancelled = await http.post(f"{PATH}/{dropped['order_reference']}/cancel", headers=STOREFRONT)
    assert (invoiced.json()["status"], cancelled.json()["status"]) == ("invoiced", "cancelled")
    assert await credit(stores, user) == (Decimal("0"), Decimal("3000"))
    late = await http.post(f"{PATH}/{dropped['order_reference']}/invoice", headers=STOREFRONT)
    assert late.status_code == 409
    kinds = await stores.commerce.fetch(
        "SELECT kind FROM credit_ledger WHERE customer_id = $1 ORDER BY id", user["customer_id"]
    )
    assert [k["kind"] for k in kinds] == ["reserved", "reserved", "invoiced", "released"]


async def test_concurrent_orders_never_pass_on_the_same_last_yen(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A hundred orders at once where seven fit: exactly seven are approved."""
    user = await partner(http, web, smtp, stores)
    await stores.commerce_store().credit_limits.change(
        user["customer_id"], Decimal("7000"), "test", "seven orders fit", f"t-{uuid.uuid4()}"
    )
    answers = await asyncio.gather(
        *(http.post(PATH, json=order(user, "1000"), headers=STOREFRONT) for _ in range(100))
    )
    statuses = [a.json()["status"] for a in answers]
    assert statuses.count("approved") == 7
    assert statuses.count("declined") == 93
    assert await credit(stores, user) == (Decimal("7000"), Decimal("0"))


async def test_an_order_over_the_spending_limit_waits_for_the_admin(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Needs approval, reserves nothing; the admin's Approve on the site reserves it."""
    user = await partner(http, web, smtp, stores)
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = 5000 WHERE id = $1", user["site_user_id"]
    )
    big, other = order(user, "8000"), order(user, "9000")
    for body in (big, other):
        waiting = await http.post(PATH, json=body, headers=STOREFRONT)
        assert waiting.json()["status"] == "needs_approval"
    assert await credit(stores, user) == (Decimal("0"), Decimal("0"))
    await sign_in(http, user["email"], STRONG_PASSWORD)
    page = (await http.get("/organization?lang=en")).text
    assert big["order_reference"] in page
    token = csrf_in(page)
    approved = await http.post(
        f"/organization/purchases/{big['order_reference']}/approve", data={"csrf_token": token}
    )
    declined = await http.post(
        f"/organization/purchases/{other['order_reference']}/decline", data={"csrf_token": token}
    )
    assert approved.headers["location"] == "/organization?done=approved"
    assert declined.headers["location"] == "/organization?done=declined"
    polled = [
        (await http.get(f"{PATH}/{b['order_reference']}", headers=STOREFRONT)).json()
        for b in (big, other)
    ]
    assert [(p["status"], p["reason"]) for p in polled] == [
        ("approved", None), ("declined", "admin_declined"),
    ]  # fmt: skip
    assert await credit(stores, user) == (Decimal("8000"), Decimal("0"))


async def waiting_order(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A partner whose admin's own order of 8000 waits for approval (their limit is 5000)."""
    user = await partner(http, web, smtp, stores)
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = 5000 WHERE id = $1", user["site_user_id"]
    )
    body = order(user, "8000")
    assert (await http.post(PATH, json=body, headers=STOREFRONT)).json()["status"] == (
        "needs_approval"
    )
    return user, body


async def admin_decides(http: httpx.AsyncClient, reference: str, decision: str) -> httpx.Response:
    token = csrf_in((await http.get("/organization")).text)
    return await http.post(
        f"/organization/purchases/{reference}/{decision}", data={"csrf_token": token}
    )


async def test_the_same_order_sent_at_once_reserves_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Five identical calls racing each other: one answer for all, one reservation."""
    user = await partner(http, web, smtp, stores)
    body = order(user, "4000")
    answers = await asyncio.gather(
        *(http.post(PATH, json=body, headers=STOREFRONT) for _ in range(5))
    )
    assert {(a.status_code, a.json()["status"]) for a in answers} == {(200, "approved")}
    assert await credit(stores, user) == (Decimal("4000"), Decimal("0"))


async def test_an_approval_after_the_deadline_is_an_expiry(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Past its deadline a waiting order is expired, even before its run says so."""
    user, body = await waiting_order(http, web, smtp, stores)
    await stores.commerce.execute(
        """UPDATE purchase_authorizations SET expires_at = now() - interval '1 second'
           WHERE order_reference = $1""",
        body["order_reference"],
    )
    await sign_in(http, user["email"], STRONG_PASSWORD)
    assert body["order_reference"] not in (await http.get("/organization")).text
    await admin_decides(http, body["order_reference"], "approve")
    polled = (await http.get(f"{PATH}/{body['order_reference']}", headers=STOREFRONT)).json()
    assert (polled["status"], polled["reason"]) == ("declined", "approval_expired")
    assert await credit(stores, user) == (Decimal("0"), Decimal("0"))


async def test_an_order_of_a_user_removed_meanwhile_is_not_approved(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Approving an order whose user was blocked while it waited declines it instead."""
    user, body = await waiting_order(http, web, smtp, stores)
    await member(stores, await hierarchy_of(stores, user["site_user_id"]), "admin")
    await stores.commerce.execute(
        "UPDATE site_users SET blocked_at = now() WHERE id = $1", user["site_user_id"]
    )
    decided, _ = await stores.commerce_store().credit.step(body["order_reference"], "approve", "x")
    assert (decided["status"], decided["reason"]) == ("declined", "user_not_active")
    assert await credit(stores, user) == (Decimal("0"), Decimal("0"))


async def test_another_organizations_order_is_nobody_here(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An admin cannot decide another organization's order, nor reach the store with junk."""
    _, body = await waiting_order(http, web, smtp, stores)
    async with httpx.AsyncClient(base_url=web.url) as other:
        admin = await partner(other, web, smtp, stores)
        await sign_in(other, admin["email"], STRONG_PASSWORD)
        assert (await admin_decides(other, body["order_reference"], "approve")).status_code == 404
        assert (await admin_decides(other, "bad%00ref", "approve")).status_code == 404
    still = (await http.get(f"{PATH}/{body['order_reference']}", headers=STOREFRONT)).json()
    assert still["status"] == "needs_approval"


async def test_an_erased_partners_orders_are_unknown_afterwards(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Erasing the partner's onboarding takes its orders: reading or invoicing one is 404."""
    user = await partner(http, web, smtp, stores)
    body = order(user, "4000")
    assert (await http.post(PATH, json=body, headers=STOREFRONT)).status_code == 200
    reference = await stores.commerce.fetchval(
        "SELECT reference FROM prospects WHERE lower(email) = lower($1)", user["email"]
    )
    erased = await http.delete(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert erased.status_code == 204
    path = f"{PATH}/{body['order_reference']}"
    assert (await http.get(path, headers=STOREFRONT)).status_code == 404
    for step in ("invoice", "cancel"):
        assert (await http.post(f"{path}/{step}", headers=STOREFRONT)).status_code == 404
