"""What a site user may still spend, asked by the storefront before it places an order
(SPEC.md, "Buyer organizations"); every purchase authorization carries the same figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from starter.api.common import NOT_FOUND, found
from starter.common.auth import ServicesDep, StorefrontDep
from starter.common.problem import Problem

router = APIRouter(prefix="/partner/site-users", tags=["purchases"])
TOKEN: dict[int | str, dict[str, Any]] = {401: {"model": Problem}}
SiteUserId = Annotated[str, Path(min_length=1, max_length=100)]
WAIT_REASONS = (
    "An order waits (needs_approval) for the first that applies of over_spending_limit, "
    "over_monthly_budget and over_approval_threshold."
)


class Purchasing(BaseModel):
    """In the organization's currency; null where none is set."""

    # Null for an organization without a credit limit: every order is declined.
    currency: str | None
    available_credit: Decimal | None
    # Per order.
    spending_limit: Decimal | None
    # Per calendar month of the shop's time zone (ONBOARDING_SHOP_TIME_ZONE).
    monthly_budget: Decimal | None
    monthly_budget_remaining: Annotated[
        Decimal | None,
        Field(description="The budget less this month's approved and invoiced orders, ≥ 0."),
    ]
    # Every order above it needs approval, whoever places it.
    approval_threshold: Decimal | None


@router.get("/{site_user_id}/purchasing", response_model=Purchasing, responses=NOT_FOUND | TOKEN)
async def purchasing(
    site_user_id: SiteUserId, services: ServicesDep, _: StorefrontDep
) -> Purchasing:
    """The available credit, the user's per-order limit, what is left of their monthly
    budget, and the organization's approval threshold, as they are now."""
    with found():
        figures = await services.credit.purchasing(site_user_id)
    return Purchasing.model_validate(figures)
