"""The staff's pages: sign-in, the Sales console and the Commerce back office."""

from __future__ import annotations

from fastapi import APIRouter

from starter.staff import back_office, sales_console, sign_in

router = APIRouter(include_in_schema=False)
router.include_router(sign_in.router)
router.include_router(sales_console.router)
router.include_router(back_office.router)
