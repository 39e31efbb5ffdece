"""Staff members at the steps of their second factor, shared by the tests of the code step."""

from __future__ import annotations

import httpx

from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, csrf_in, set_password, sign_in, staff_link
from tests.conftest import WebApp
from tests.staff_factor_helpers import Authenticator, enrol


async def signed_in_with_password_only(http: httpx.AsyncClient, stores: Stores, web: WebApp) -> str:
    """A new staff member signed in on `http` with the password alone; their email."""
    email, link = await staff_link(stores, web)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    assert (await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")).status_code == 303
    return email


async def enrolled_then_signed_out(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> tuple[str, Authenticator]:
    """A staff member who enrolled and then signed out: their email and app."""
    email = await signed_in_with_password_only(http, stores, web)
    app = await enrol(http)
    token = csrf_in((await http.get("/sales/leads")).text)
    assert (await http.post("/staff/sign-out", data={"csrf_token": token})).status_code == 303
    return email, app


async def staff_account_id(stores: Stores, email: str) -> str:
    account = await stores.commerce_store().accounts.by_email("staff", email)
    assert account is not None
    return account.id


async def code_step_key(stores: Stores, email: str) -> str:
    """The throttle's key for the staff member's wrong codes, apart from their passwords'."""
    return f"second-factor:staff:{await staff_account_id(stores, email)}"
