"""Why an order is declined, as the admin's approval finds it; and the user's status read
under a row lock, so a removal in progress is waited for, not read around."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from storage.database import Connection
from tests.buyer_helpers import hierarchy_of, member
from tests.conftest import WebApp
from tests.test_purchases import PATH, STOREFRONT, credit, order, partner


async def limited_partner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> dict[str, Any]:
    """An approved partner's admin, with a spending limit of 5000 on a credit of 1,000,000,
    and another admin (the last one cannot be removed)."""
    user = await partner(http, web, smtp, stores)
    await member(stores, await hierarchy_of(stores, user["site_user_id"]), "admin")
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = 5000 WHERE id = $1", user["site_user_id"]
    )
    return user


async def waiting_for_a_lock(stores: Stores, statement_has: str) -> None:
    """Return once a session of the store waits for a row lock in a statement with the text."""
    async with asyncio.timeout(30):
        while True:
            if await stores.commerce.fetchval(
                """SELECT true FROM pg_stat_activity
                   WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%' LIMIT 1""",
                statement_has,
            ):
                return
            await asyncio.sleep(0.02)


async def removed_in(conn: Connection, user: dict[str, Any]) -> None:
    """Remove the user in `conn`'s open transaction, holding the row until it ends."""
    await conn.execute(
        "UPDATE site_users SET status = 'removed', status_changed_at = now() WHERE id = $1",
        user["site_user_id"],
    )


async def test_an_approval_beyond_the_available_credit_is_declined_as_insufficient_credit(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The credit used up while the order waited: the admin's approval declines it for that."""
    user = await limited_partner(http, web, smtp, stores)
    waiting = order(user, "8000")
    answer = await http.post(PATH, json=waiting, headers=STOREFRONT)
    assert answer.json()["status"] == "needs_approval"
    await stores.commerce.execute(
        "UPDATE credit_limits SET reserved = amount - 1000 WHERE customer_id = $1",
        user["customer_id"],
    )
    decided, _ = await stores.commerce_store().credit.step(
        waiting["order_reference"], "approve", "Admin"
    )
    assert (decided["status"], decided["reason"]) == ("declined", "insufficient_credit")


async def test_an_authorization_waits_for_a_removal_in_progress(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An order placed while the user's removal is being written is declined once it commits."""
    user = await limited_partner(http, web, smtp, stores)
    async with stores.commerce.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await removed_in(conn, user)
        placed = asyncio.create_task(http.post(PATH, json=order(user, "1000"), headers=STOREFRONT))
        await waiting_for_a_lock(stores, "FOR NO KEY UPDATE OF u")
        await transaction.commit()
    answer = (await placed).json()
    assert (answer["status"], answer["reason"]) == ("declined", "user_not_active")


async def test_an_admins_approval_waits_for_a_removal_in_progress(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An approval given while the user's removal is being written declines the order, and
    reserves nothing."""
    user = await limited_partner(http, web, smtp, stores)
    waiting = order(user, "8000")
    assert (await http.post(PATH, json=waiting, headers=STOREFRONT)).status_code == 200
    credits = stores.commerce_store().credit
    async with stores.commerce.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await removed_in(conn, user)
        approval = asyncio.create_task(credits.step(waiting["order_reference"], "approve", "A"))
        await waiting_for_a_lock(stores, "FOR NO KEY UPDATE OF u")
        await transaction.commit()
    decided, _ = await approval
    assert (decided["status"], decided["reason"]) == ("declined", "user_not_active")
    reserved, _ = await credit(stores, user)
    assert reserved == Decimal("0")
