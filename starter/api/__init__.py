"""The JSON API (SPEC.md, "Interfaces"), one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from starter.api import (
    blocked_approvals,
    commerce,
    documents,
    information_requests,
    onboarding_requests,
    purchases,
    purchasing,
    sales,
    site_users,
)

PREFIX = "/api"
# The storefront's checkout call, the most frequent by far: the app includes it first, and on
# its own, since FastAPI walks every router a request's match passes through.
checkout = purchases.checkout
router = APIRouter(prefix=PREFIX)
router.include_router(purchases.router)
router.include_router(purchasing.router)
router.include_router(onboarding_requests.router)
router.include_router(blocked_approvals.router)
router.include_router(sales.router)
router.include_router(commerce.router)
router.include_router(site_users.router)
router.include_router(documents.router)
router.include_router(information_requests.router)
