"""Purchase authorization: the one call a storefront makes at checkout, and the order's later
steps (SPEC.md, "Credit and spending limits")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.currency import ZERO_DECIMAL_CURRENCIES, fits_currency
from domain.outcomes import MAX_AMOUNT, Amount
from domain.request import Model
from starter.api.checkout_route import CheckoutRoute
from starter.api.common import CONFLICT, NOT_FOUND, found, not_found
from starter.api.purchasing import WAIT_REASONS, Purchasing
from starter.api.schemas import PURCHASE_REASONS, Problem
from starter.common.auth import ServicesDep, StorefrontDep
from starter.services.credit import (
    ORDER_REFERENCE,
    Purchase,
    ReferenceReused,
    UnknownUser,
    WrongState,
)

PREFIX = "/partner/purchase-authorizations"
router = APIRouter(prefix=PREFIX, tags=["purchases"])
# The checkout call alone: every order's path, answered without FastAPI's dependency solving.
checkout = APIRouter(prefix=PREFIX, tags=["purchases"], route_class=CheckoutRoute)
TOKEN: dict[int | str, dict[str, Any]] = {401: {"model": Problem}}
OrderReference = Annotated[str, Field(min_length=1, max_length=100, pattern=ORDER_REFERENCE)]


# The amount's rules as the document states them: more than zero, and whole in a currency
# without minor units.
POSITIVE = r"^(?=.*[1-9])[0-9]{1,13}(\.[0-9]{1,2})?$"
WHOLE = r"^(?=.*[1-9])[0-9]{1,13}$"
AMOUNT_SCHEMA: dict[str, Any] = {
    "if": {"properties": {"currency": {"enum": sorted(ZERO_DECIMAL_CURRENCIES)}}},
    "then": {
        "properties": {
            "amount": {
                "anyOf": [
                    {"type": "integer", "minimum": 1, "maximum": int(MAX_AMOUNT)},
                    {"type": "string", "pattern": WHOLE},
                ]
            }
        }
    },
    "else": {
        "properties": {
            "amount": {
                "anyOf": [
                    {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": float(MAX_AMOUNT),
                        "multipleOf": 0.01,
                    },
                    {"type": "string", "pattern": POSITIVE},
                ]
            }
        }
    },
}


class PurchaseBody(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=AMOUNT_SCHEMA)

    order_reference: OrderReference
    # Ids are opaque, but ours are printable ASCII: anything else names nobody.
    site_user_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]
    # Before the amount, so that the amount's check knows the currency.
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    amount: Amount

    @field_validator("amount")
    @classmethod
    def _positive_and_whole_where_needed(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        if amount <= 0:
            raise ValueError("must be more than zero")
        currency = info.data.get("currency")
        if isinstance(currency, str) and not fits_currency(amount, currency):
            raise ValueError(f"has no decimals in {currency}")
        return amount


class PurchaseAuthorization(BaseModel):
    order_reference: str
    status: Literal["approved", "needs_approval", "declined", "invoiced", "cancelled"]
    reason: Annotated[str | None, Field(description=f"{PURCHASE_REASONS} {WAIT_REASONS}")]
    site_user_id: str
    amount: Decimal
    currency: str
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # The user's figures after the decision (after the step, for a later answer).
    purchasing: Purchasing | None = None


@checkout.post(
    "",
    response_model=PurchaseAuthorization,
    responses=NOT_FOUND | CONFLICT | TOKEN,
)
async def authorize(
    body: PurchaseBody, services: ServicesDep, _: StorefrontDep
) -> PurchaseAuthorization | JSONResponse:
    """Approve (and reserve), ask the organization's admin, or decline, with the reason.
    Idempotent on `order_reference`; the same reference for another purchase is a 409."""
    purchase = Purchase(body.order_reference, body.site_user_id, body.amount, body.currency)
    try:
        row = await services.credit.authorize(purchase)
    except UnknownUser:
        raise not_found("site user") from None
    except ReferenceReused:
        return JSONResponse(
            status_code=409,
            content={"detail": "this order_reference was used for another purchase"},
        )
    return PurchaseAuthorization.model_validate(row)


Reference = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/{order_reference}", response_model=PurchaseAuthorization, responses=NOT_FOUND | TOKEN)
async def read(
    order_reference: Reference, services: ServicesDep, _: StorefrontDep
) -> PurchaseAuthorization:
    """The authorization as it is now: a storefront polls it while the admin decides."""
    with found():
        row = await services.credit.get(order_reference)
    return PurchaseAuthorization.model_validate(row)


async def _step(
    services: ServicesDep, order_reference: str, step: str
) -> PurchaseAuthorization | JSONResponse:
    with found():
        try:
            row = await services.credit.step(order_reference, step)
        except WrongState as err:
            return JSONResponse(status_code=409, content={"detail": str(err)})
    return PurchaseAuthorization.model_validate(row)


@router.post(
    "/{order_reference}/invoice",
    response_model=PurchaseAuthorization,
    responses=NOT_FOUND | CONFLICT | TOKEN,
)
async def invoice(
    order_reference: Reference, services: ServicesDep, _: StorefrontDep
) -> PurchaseAuthorization | JSONResponse:
    """The order was invoiced: its reservation becomes an invoiced amount."""
    return await _step(services, order_reference, "invoice")


@router.post(
    "/{order_reference}/cancel",
    response_model=PurchaseAuthorization,
    responses=NOT_FOUND | CONFLICT | TOKEN,
)
async def cancel(
    order_reference: Reference, services: ServicesDep, _: StorefrontDep
) -> PurchaseAuthorization | JSONResponse:
    """The order was cancelled: its reservation, if any, is released."""
    return await _step(services, order_reference, "cancel")
