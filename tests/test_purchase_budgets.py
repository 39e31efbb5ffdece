"""The purchase authorization's limits beyond the per-order one: a user's monthly budget and
the organization's approval threshold, the reason each gives, and the figures every answer
carries, against the real stack."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.conftest import WebApp
from tests.test_purchases import PATH, STOREFRONT, credit, order, partner


async def limits(
    stores: Stores,
    user: dict[str, Any],
    spending_limit: str | None = None,
    monthly_budget: str | None = None,
    threshold: str | None = None,
) -> None:
    """Set the user's per-order limit and monthly budget and the organization's threshold."""
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = $2, monthly_budget = $3 WHERE id = $1",
        user["site_user_id"],
        None if spending_limit is None else Decimal(spending_limit),
        None if monthly_budget is None else Decimal(monthly_budget),
    )
    await stores.commerce.execute(
        "UPDATE credit_limits SET approval_threshold = $2 WHERE customer_id = $1",
        user["customer_id"],
        None if threshold is None else Decimal(threshold),
    )


async def place(http: httpx.AsyncClient, user: dict[str, Any], amount: str) -> dict[str, Any]:
    answer = await http.post(PATH, json=order(user, amount), headers=STOREFRONT)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def status(answer: dict[str, Any]) -> tuple[str, str | None]:
    return answer["status"], answer["reason"]


async def test_an_order_over_the_monthly_budget_waits_for_that_reason(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Within the per-order limit but past the month's budget: over_monthly_budget."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, spending_limit="5000", monthly_budget="6000")
    assert status(await place(http, user, "4000")) == ("approved", None)
    assert status(await place(http, user, "3000")) == ("needs_approval", "over_monthly_budget")
    assert status(await place(http, user, "2000")) == ("approved", None)


async def test_an_order_over_the_threshold_waits_for_that_reason(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Above the organization's threshold, with no limit of the user's: over_approval_threshold."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, threshold="10000")
    assert status(await place(http, user, "10000")) == ("approved", None)
    answer = await place(http, user, "10001")
    assert status(answer) == ("needs_approval", "over_approval_threshold")


async def test_the_first_reason_that_applies_is_the_answer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Over all three: the per-order limit; over the budget and threshold: the budget."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, spending_limit="5000", monthly_budget="1000", threshold="2000")
    assert status(await place(http, user, "6000")) == ("needs_approval", "over_spending_limit")
    assert status(await place(http, user, "3000")) == ("needs_approval", "over_monthly_budget")


async def test_a_decline_comes_before_any_approval(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An order beyond the available credit is declined, whatever limits it also passes."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, spending_limit="5000", monthly_budget="1000", threshold="2000")
    answer = await place(http, user, "2000000")
    assert status(answer) == ("declined", "insufficient_credit")


async def test_every_answer_carries_the_figures_after_the_decision(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An approved order's answer shows the credit and the budget it left, and so does a poll."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, spending_limit="5000", monthly_budget="6000", threshold="8000")
    answer = await place(http, user, "4000")
    expected = {
        "currency": "JPY",
        "available_credit": "996000.00",
        "spending_limit": "5000.00",
        "monthly_budget": "6000.00",
        "monthly_budget_remaining": "2000.00",
        "approval_threshold": "8000.00",
    }
    assert answer["purchasing"] == expected
    poll = await http.get(f"{PATH}/{answer['order_reference']}", headers=STOREFRONT)
    assert poll.json()["purchasing"] == expected


async def test_the_purchasing_endpoint_gives_the_figures_with_nulls(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Before any order, the figures; null where no limit, budget or threshold is set."""
    user = await partner(http, web, smtp, stores)
    path = f"/api/partner/site-users/{user['site_user_id']}/purchasing"
    answer = await http.get(path, headers=STOREFRONT)
    assert answer.status_code == 200
    assert answer.json() == {
        "currency": "JPY",
        "available_credit": "1000000.00",
        "spending_limit": None,
        "monthly_budget": None,
        "monthly_budget_remaining": None,
        "approval_threshold": None,
    }


async def test_the_purchasing_endpoint_needs_a_token_and_a_known_user(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Without a token 401, with the staff token as with the storefront's; nobody: 404."""
    path = "/api/partner/site-users/USR-nobody/purchasing"
    assert (await http.get(path)).status_code == 401
    assert (await http.get(path, headers=STOREFRONT)).status_code == 404
    assert (await http.get(path, headers=web.staff())).status_code == 404


async def test_a_cancelled_order_gives_its_budget_back(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Cancelling an approved order releases it from the month's spend; invoicing keeps it."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, monthly_budget="5000")
    kept, dropped = await place(http, user, "2000"), await place(http, user, "3000")
    await http.post(f"{PATH}/{kept['order_reference']}/invoice", headers=STOREFRONT)
    cancelled = await http.post(f"{PATH}/{dropped['order_reference']}/cancel", headers=STOREFRONT)
    assert cancelled.json()["purchasing"]["monthly_budget_remaining"] == "3000.00"
    assert status(await place(http, user, "3000")) == ("approved", None)


async def test_concurrent_orders_spend_exactly_the_budget(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """100 orders of 1,000 at once against a budget of 50,000: 50 approved, 50 wait."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, monthly_budget="50000")
    answers = await asyncio.gather(*(place(http, user, "1000") for _ in range(100)))
    counted = sorted(status(a) for a in answers)
    assert counted == [("approved", None)] * 50 + [("needs_approval", "over_monthly_budget")] * 50
    assert await credit(stores, user) == (Decimal("50000"), Decimal("0"))
    spent = await stores.commerce.fetchval(
        "SELECT budget_spent FROM site_users WHERE id = $1", user["site_user_id"]
    )
    assert spent == Decimal("50000")


async def test_an_order_approved_next_month_is_charged_to_the_month_it_was_placed_in(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Placed on the last day of a month and approved on the 1st: the new month's budget is
    untouched and the order counts against the month it was placed in."""
    user = await partner(http, web, smtp, stores)
    await limits(stores, user, monthly_budget="5000")
    waiting = await place(http, user, "8000")
    assert status(waiting) == ("needs_approval", "over_monthly_budget")
    # What a wait across the month's end leaves: the order and the user's spend belong to
    # the month before the one the store's clock is in now.
    this_month = await stores.commerce.fetchval(
        "SELECT date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo')::date"
    )
    last_month = (this_month.replace(day=1) - date.resolution).replace(day=1)
    await stores.commerce.execute(
        "UPDATE purchase_authorizations SET budget_month = $2 WHERE order_reference = $1",
        waiting["order_reference"],
        last_month,
    )
    await stores.commerce.execute(
        "UPDATE site_users SET budget_month = $2, budget_spent = 1000 WHERE id = $1",
        user["site_user_id"],
        last_month,
    )
    decided, _ = await stores.commerce_store().credit.step(
        waiting["order_reference"], "approve", "an approver"
    )
    assert decided["status"] == "approved"
    assert decided["budget_month"] == last_month
    spent = await stores.commerce.fetchrow(
        "SELECT budget_month, budget_spent FROM site_users WHERE id = $1", user["site_user_id"]
    )
    assert spent is not None
    assert (spent["budget_month"], spent["budget_spent"]) == (last_month, Decimal("9000"))
    path = f"/api/partner/site-users/{user['site_user_id']}/purchasing"
    figures = (await http.get(path, headers=STOREFRONT)).json()
    assert figures["monthly_budget_remaining"] == "5000.00"
    assert status(await place(http, user, "5000")) == ("approved", None)
