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

router = APIRouter(prefix="/api")
# First: a request is matched against the routes in order, and the storefront's checkout
# calls are the most frequent by far.
router.include_router(purchases.router)
router.include_router(purchasing.router)
router.include_router(onboarding_requests.router)
router.include_router(blocked_approvals.router)
router.include_router(sales.router)
router.include_router(commerce.router)
router.include_router(site_users.router)
router.include_router(documents.router)
router.include_router(information_requests.router)
