"""The staff's pages in one router: their accounts, the Sales console and the Commerce back
office."""

from __future__ import annotations

from fastapi import APIRouter

from starter.common.account_pages import account_router
from starter.common.account_settings import settings_router
from starter.common.second_factor_pages import second_factor_router
from starter.staff import (
    back_office,
    blocked_approvals,
    information_requests,
    operators,
    partner_flags,
    sales_console,
)

router = APIRouter(include_in_schema=False)
router.include_router(account_router("staff", home="/sales/leads"))
router.include_router(second_factor_router("staff", home="/sales/leads"))
router.include_router(settings_router("staff"))
router.include_router(sales_console.router)
router.include_router(information_requests.router)
router.include_router(back_office.router)
router.include_router(partner_flags.router)
router.include_router(blocked_approvals.router)
router.include_router(operators.router)
