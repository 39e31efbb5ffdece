"""The storefront's side of the purchase-authorization benchmark: orders sent as fast as they
are answered (closed loop), or at a fixed rate whatever the answers (open loop), and the book
of what the app approved, per organization."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from bench.figures import percentiles
from bench.organizations import CURRENCY, Organization
from bench.storefront_http import HttpError, Poster

PATH = "/api/partner/purchase-authorizations"
STATUSES = ("approved", "needs_approval", "declined")


@dataclass(frozen=True)
class Order:
    reference: str
    organization: Organization
    amount: int  # yen: small, so that every order fits the organization's credit

    def body(self) -> dict[str, Any]:
        return {
            "order_reference": self.reference,
            "site_user_id": self.organization.site_user_id,
            "amount": self.amount,
            "currency": CURRENCY,
        }


@dataclass
class Book:
    """Every order of the run gets a fresh reference; the approved ones are kept."""

    run: str
    sent: int = 0
    approved: list[Order] = field(default_factory=list)

    def new_order(self, organizations: Sequence[Organization]) -> Order:
        """The next order, from the organizations in turn; amounts from 1 to 997 yen."""
        number, self.sent = self.sent, self.sent + 1
        organization = organizations[number % len(organizations)]
        return Order(f"bench-{self.run}-{number}", organization, 1 + number % 997)

    def by_organization(self) -> dict[str, tuple[int, Decimal]]:
        """Approved orders and their sum, per organization's customer id."""
        totals: dict[str, tuple[int, Decimal]] = {}
        for order in self.approved:
            count, amount = totals.get(order.organization.customer_id, (0, Decimal(0)))
            totals[order.organization.customer_id] = (count + 1, amount + order.amount)
        return totals


async def authorize(http: Poster, order: Order) -> str:
    """The answer's status, or what went wrong instead ("HTTP 500", "HttpError")."""
    try:
        status, body = await http.post(PATH, json.dumps(order.body()).encode())
    except HttpError as err:
        return type(err).__name__
    if status != 200:
        return f"HTTP {status}"
    return str(json.loads(body)["status"])


@dataclass
class Load:
    """One stretch of orders: how long it took, and each answer with its latency."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    # Open loop only: how late the driver itself started each request.
    lags: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    def record(self, book: Book, order: Order, outcome: str, latency: float) -> None:
        if outcome not in STATUSES:
            self.errors[outcome] += 1
            return
        self.statuses[outcome] += 1
        self.latencies.append(latency)
        if outcome == "approved":
            book.approved.append(order)

    def report(self) -> dict[str, Any]:
        result = {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.requests / self.seconds, 1),
            "latency": percentiles(self.latencies),
            "statuses": dict(self.statuses),
            "errors": dict(self.errors),
        }
        if self.lags:
            result["driver_lag"] = percentiles(self.lags)
        return result


async def closed_loop(
    http: Poster,
    book: Book,
    organizations: Sequence[Organization],
    clients: int,
    seconds: float,
) -> Load:
    """`clients` storefronts, each sending its next order as soon as the last is answered."""
    load = Load()
    deadline = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < deadline:
            order = book.new_order(organizations)
            started = time.monotonic()
            outcome = await authorize(http, order)
            load.record(book, order, outcome, time.monotonic() - started)

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    load.seconds = time.monotonic() - started
    return load


async def open_loop(
    http: Poster,
    book: Book,
    organizations: Sequence[Organization],
    rate: float,
    seconds: float,
) -> Load:
    """One order every 1/`rate` seconds, each sent at its scheduled time whether or not the
    earlier ones were answered; latency counts from the scheduled time, so a driver or a
    server that falls behind shows in it instead of slowing the arrivals."""
    load = Load()

    async def one(order: Order, at: float) -> None:
        load.lags.append(time.monotonic() - at)
        outcome = await authorize(http, order)
        load.record(book, order, outcome, time.monotonic() - at)

    tasks = []
    started = time.monotonic()
    for index in range(round(rate * seconds)):
        at = started + index / rate
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        tasks.append(asyncio.create_task(one(book.new_order(organizations), at)))
    await asyncio.gather(*tasks)
    load.seconds = time.monotonic() - started
    return load


async def repeat(http: Poster, orders: list[Order]) -> dict[str, Any]:
    """Each approved order sent again, twice at once: each answer is the first one, and
    nothing is reserved again (the credit check after the run tells). Then one reference
    again with another amount, which is a 409."""
    outcomes = Counter(
        await asyncio.gather(*(authorize(http, order) for order in orders for _ in range(2)))
    )
    reused = await authorize(http, replace(orders[0], amount=orders[0].amount + 1))
    return {
        "orders": len(orders),
        "sent": sum(outcomes.values()),
        "answers": dict(outcomes),
        "ok": outcomes == Counter({"approved": 2 * len(orders)}) and reused == "HTTP 409",
        "reused_reference": reused,
    }
