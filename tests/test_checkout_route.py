"""The checkout call's lean route answers every request exactly as FastAPI's own route for
the same endpoint would: same status, same headers that matter, same body, byte for byte."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi.routing import APIRoute

from plumbing.settings import Settings
from starter.api import purchases
from starter.api.checkout_route import CheckoutRoute
from starter.app import create_app
from starter.services.credit import Purchase, ReferenceReused, UnknownUser

STOREFRONT = "Bearer storefront-token"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
GOOD = {"order_reference": "ORD-1", "site_user_id": "USR-1", "currency": "EUR", "amount": "12.50"}


class Credit:
    """The credit service's answers, without the store: this is about the HTTP layer only."""

    async def authorize(self, purchase: Purchase) -> dict[str, Any]:
        if purchase.site_user_id == "USR-nobody":
            raise UnknownUser(purchase.site_user_id)
        if purchase.order_reference == "ORD-reused":
            raise ReferenceReused(purchase.order_reference)
        figures = dict.fromkeys(("spending_limit", "monthly_budget", "approval_threshold"))
        return {
            "order_reference": purchase.order_reference,
            "status": "needs_approval",
            "reason": "over_spending_limit",
            "site_user_id": purchase.site_user_id,
            "amount": purchase.amount,
            "currency": purchase.currency,
            "expires_at": WHEN,
            "created_at": WHEN,
            "updated_at": WHEN,
            "purchasing": {
                **figures,
                "currency": "EUR",
                "available_credit": Decimal("100.00"),
                "monthly_budget_remaining": None,
            },
        }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def both() -> AsyncIterator[httpx.AsyncClient]:
    """The web app with the checkout endpoint twice more: on the lean route and on FastAPI's."""
    app = create_app(Settings(onboarding_environment="dev"), "staff-token")
    for path, route_class in (("/lean", CheckoutRoute), ("/generic", APIRoute)):
        app.router.add_api_route(
            path,
            purchases.authorize,
            methods=["POST"],
            response_model=purchases.PurchaseAuthorization,
            route_class_override=route_class,
        )
    app.state.services = SimpleNamespace(
        credit=Credit(), storefront_token="storefront-token", staff_token="staff-token"
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def as_json(value: object) -> bytes:
    return json.dumps(value).encode()


CASES: dict[str, tuple[bytes, str | None, str | None]] = {
    "approved": (as_json(GOOD), "application/json", STOREFRONT),
    "staff token": (as_json(GOOD), "application/json", "Bearer staff-token"),
    "scheme in lower case": (as_json(GOOD), "application/json", "bearer storefront-token"),
    "no token": (as_json(GOOD), "application/json", None),
    "wrong token": (as_json(GOOD), "application/json", "Bearer guess"),
    "basic scheme": (as_json(GOOD), "application/json", "Basic storefront-token"),
    "scheme alone": (as_json(GOOD), "application/json", "Bearer"),
    "broken JSON before the token": (b"{", "application/json", None),
    "broken JSON": (b'{"amount": ', "application/json", STOREFRONT),
    "not UTF-8": (b'{"amount": "\xff"}', "application/json", STOREFRONT),
    "no body": (b"", "application/json", STOREFRONT),
    "no content type": (as_json(GOOD), None, STOREFRONT),
    "text content type": (as_json(GOOD), "text/plain", STOREFRONT),
    "content type in capitals": (as_json(GOOD), "APPLICATION/JSON", STOREFRONT),
    "a +json content type": (as_json(GOOD), "application/vnd.api+json", STOREFRONT),
    "a charset": (as_json(GOOD), "application/json; charset=utf-8", STOREFRONT),
    "JSON null": (b"null", "application/json", STOREFRONT),
    "a list": (as_json([GOOD]), "application/json", STOREFRONT),
    "an unknown field": (as_json({**GOOD, "coupon": "X"}), "application/json", STOREFRONT),
    "fields missing": (as_json({"amount": 1}), "application/json", STOREFRONT),
    "fields missing, no token": (as_json({"amount": 1}), "application/json", None),
    "a negative amount": (as_json({**GOOD, "amount": "-1"}), "application/json", STOREFRONT),
    "NaN": (as_json(GOOD).replace(b'"12.50"', b"NaN"), "application/json", STOREFRONT),
    "yen with decimals": (
        as_json({**GOOD, "currency": "JPY", "amount": "1.5"}),
        "application/json",
        STOREFRONT,
    ),
    "half a character": (
        as_json({**GOOD, "site_user_id": "\u00fc\ud800"}),
        "application/json",
        STOREFRONT,
    ),
    "unknown user": (
        as_json({**GOOD, "site_user_id": "USR-nobody"}),
        "application/json",
        STOREFRONT,
    ),
    "reference reused": (
        as_json({**GOOD, "order_reference": "ORD-reused"}),
        "application/json",
        STOREFRONT,
    ),
}


async def answer(
    http: httpx.AsyncClient, path: str, case: str
) -> tuple[int, dict[str, str], bytes]:
    body, content_type, authorization = CASES[case]
    headers = {"content-type": content_type} if content_type else {}
    if authorization:
        headers["authorization"] = authorization
    response = await http.post(path, content=body, headers=headers)
    kept = {
        name: response.headers[name]
        for name in ("content-type", "www-authenticate", "cache-control")
        if name in response.headers
    }
    return response.status_code, kept, response.content


@pytest.mark.parametrize("case", CASES)
async def test_the_lean_route_answers_as_fastapis_own(both: httpx.AsyncClient, case: str) -> None:
    """The same request gets the same status, headers and body from both routes."""
    assert await answer(both, "/lean", case) == await answer(both, "/generic", case)


async def test_the_checkout_call_takes_the_lean_route() -> None:
    """The storefront's POST to the authorizations is served by the lean route."""
    routes = [route for route in purchases.checkout.routes if isinstance(route, APIRoute)]
    assert [(type(r), r.path, r.methods) for r in routes] == [
        (CheckoutRoute, "/partner/purchase-authorizations", {"POST"})
    ]
