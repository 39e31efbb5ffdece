"""Staff accounts: created from the command line, signed in as themselves, forms guarded."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid

import httpx

from plumbing.stores import Stores
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    csrf_in,
    set_password,
    sign_in,
    signed_in_staff,
)
from tests.api_helpers import submitted_lead
from tests.conftest import WebApp
from tests.staff_factor_helpers import enrol


async def staff_add(web: WebApp, email: str, name: str) -> str:
    """Run `python -m starter staff add` as an operator would; the path of the link printed."""
    env = {
        **os.environ,
        "COMMERCE_DATABASE_URL": web.settings.commerce_database_url,
        "SALES_DATABASE_URL": web.settings.sales_database_url,
        "ONBOARDING_STORE_URL": web.url,
        "ONBOARDING_ENVIRONMENT": "dev",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "starter", "staff", "add", email, name,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    link = re.search(r"(/staff/[a-z-]+\?token=[A-Za-z0-9_-]{43})\s", out.decode())
    assert link is not None, out.decode()
    return link[1]


async def test_staff_add_prints_a_link_that_lets_the_member_sign_in(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """`python -m starter staff add` prints a one-time link; with it the member signs in
    (and enrols a second factor)."""
    email = f"rep.{uuid.uuid4().hex[:8]}@shop.example"
    link = await staff_add(web, email, "Kenji Ito")
    assert link.startswith("/staff/activate?token=")
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    signed_in = await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")
    assert signed_in.headers["location"] == "/sales/leads"
    await enrol(http)
    assert "Kenji Ito" in (await http.get("/sales/leads")).text


async def test_staff_add_for_an_active_member_prints_a_reset_link(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Run again for a member who has a password, the command prints an hour's reset link."""
    email = f"rep.{uuid.uuid4().hex[:8]}@shop.example"
    await set_password(http, await staff_add(web, email, "Kenji Ito"), STRONG_PASSWORD)
    link = await staff_add(web, email, "Kenji Ito")
    assert link.startswith("/staff/reset-password?token=")
    assert (await set_password(http, link, OTHER_PASSWORD)).status_code == 303
    assert (await sign_in(http, email, OTHER_PASSWORD, prefix="/staff")).status_code == 303


async def test_a_decision_names_the_signed_in_staff_member(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """Qualifying from the console records the account's name, not a typed one."""
    name = f"Rep {uuid.uuid4().hex[:6]}"
    _, lead_id = await submitted_lead(http, web)
    await signed_in_staff(http, stores, web, name)
    page = await http.get(f"/sales/leads/{lead_id}")
    decided = await http.post(
        f"/sales/leads/{lead_id}/qualify", data={"csrf_token": csrf_in(page.text)}
    )
    assert decided.status_code == 303
    lead = (await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())).json()
    assert lead["status"] == "qualified"
    assert any(f"Qualified by {name}" in note["body"] for note in lead["timeline"])


async def test_a_staff_form_post_without_the_csrf_token_is_refused(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """A signed-in staff member's browser posting from elsewhere gets 403; the lead stays open."""
    _, lead_id = await submitted_lead(http, web)
    await signed_in_staff(http, stores, web)
    refused = await http.post(f"/sales/leads/{lead_id}/qualify", data={})
    assert refused.status_code == 403
    lead = (await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())).json()
    assert lead["status"] == "open"


async def test_a_staff_session_reads_the_api_but_cannot_change_anything(
    http: httpx.AsyncClient, web: WebApp, stores: Stores
) -> None:
    """The session cookie opens the API's reads; a change needs the bearer token."""
    _, lead_id = await submitted_lead(http, web)
    await signed_in_staff(http, stores, web)
    assert (await http.get(f"/api/sales/leads/{lead_id}")).status_code == 200
    assert (await http.post(f"/api/sales/leads/{lead_id}/qualify")).status_code == 401


async def test_operator_check_lets_a_signed_in_staff_member_into_the_temporal_ui(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """The proxy's check answers 204 once a staff member is signed in, and 303 before."""
    forwarded = {"X-Forwarded-Uri": "/temporal/namespaces/default/workflows"}
    before = await http.get("/staff/operator-check", headers=forwarded)
    await signed_in_staff(http, stores, web)
    after = await http.get("/staff/operator-check", headers=forwarded)
    assert before.status_code == 303
    assert before.headers["location"] == (
        "/staff/sign-in?next=%2Ftemporal%2Fnamespaces%2Fdefault%2Fworkflows"
    )
    assert after.status_code == 204


async def test_operator_check_sends_back_only_into_the_temporal_ui(http: httpx.AsyncClient) -> None:
    """A forwarded URI outside the UI cannot turn the check into an open redirect."""
    response = await http.get(
        "/staff/operator-check", headers={"X-Forwarded-Uri": "//evil.example/"}
    )
    assert response.headers["location"] == "/staff/sign-in?next=%2Ftemporal%2F"
