"""Partner flags in the back office and the freeze of a flagged organization's purchases,
against the real stack: the flag written as the re-check writes it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest_asyncio

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from starter.app import create_app
from tests.account_helpers import csrf_in, signed_in_staff
from tests.conftest import WebApp, serving
from tests.staff_members import staff_account_id
from tests.test_purchases import PATH, STOREFRONT, credit, order, partner

CLOSED = {"closed_on": "2026-11-30", "close_cause": "merged"}


@pytest_asyncio.fixture(loop_scope="session")
async def frozen(web: WebApp) -> AsyncIterator[httpx.AsyncClient]:
    """The web app with ONBOARDING_FREEZE_UNVERIFIED on, over the same stores and worker."""
    settings = web.settings.model_copy(update={"onboarding_freeze_unverified": True})
    async with (
        serving(create_app(settings, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as session,
    ):
        yield session


async def hierarchy_of(stores: Stores, user: dict[str, Any]) -> str:
    hierarchy_id: str = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE id = $1", user["site_user_id"]
    )
    return hierarchy_id


async def flag(stores: Stores, hierarchy_id: str, status: str = "closed") -> int:
    """Flag the organization as the monthly re-check does on a registry's answer."""
    flag_id, raised = await stores.commerce_store().partner_flags.raise_flag(
        hierarchy_id, "nta_corporate", "8700110005901", status, "Contoso Ltd",
        "Tokyo Chiyoda-ku", CLOSED, {"closeDate": "2026-11-30", "closeCause": "11"},
        datetime.now(UTC),
    )  # fmt: skip
    assert raised
    return flag_id


async def flagged_partner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> tuple[dict[str, Any], str, int]:
    """An approved partner's active admin, their hierarchy, and its open flag."""
    user = await partner(http, web, smtp, stores)
    hierarchy_id = await hierarchy_of(stores, user)
    return user, hierarchy_id, await flag(stores, hierarchy_id)


async def test_the_same_finding_raises_one_flag_and_a_cleared_one_stays_cleared(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A later run finding the same again gets the same flag, raised before, still cleared."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    flags = stores.commerce_store().partner_flags
    assert await flags.clear(hierarchy_id, flag_id, "STF-someone", "checked with the partner")
    again = await flags.raise_flag(
        hierarchy_id, "nta_corporate", "8700110005901", "closed", None, None, {}, {},
        datetime.now(UTC),
    )  # fmt: skip
    [row] = await flags.flags(hierarchy_id)
    assert again == (flag_id, False)
    assert row["cleared_at"] is not None


async def test_with_the_freeze_on_a_flagged_organization_is_declined(
    http: httpx.AsyncClient,
    frozen: httpx.AsyncClient,
    web: WebApp,
    smtp: SmtpSink,
    stores: Stores,
) -> None:
    """Declined as organization_unverified, nothing reserved, and not kept as the answer."""
    user, _, _ = await flagged_partner(http, web, smtp, stores)
    body = order(user, "1000")
    answer = await frozen.post(PATH, json=body, headers=STOREFRONT)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == (
        "declined",
        "organization_unverified",
    )
    assert await credit(stores, user) == (Decimal(0), Decimal(0))
    read = await frozen.get(f"{PATH}/{body['order_reference']}", headers=STOREFRONT)
    assert read.status_code == 404


async def test_with_the_freeze_off_a_flagged_organization_is_authorized(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The flag alone declines nothing: the setting is off by default."""
    user, _, _ = await flagged_partner(http, web, smtp, stores)
    answer = await http.post(PATH, json=order(user, "1000"), headers=STOREFRONT)
    assert answer.json()["status"] == "approved"


async def test_an_order_authorized_before_the_flag_keeps_its_answer(
    http: httpx.AsyncClient,
    frozen: httpx.AsyncClient,
    web: WebApp,
    smtp: SmtpSink,
    stores: Stores,
) -> None:
    """The storefront asking again about an order approved before the flag gets the same."""
    user = await partner(http, web, smtp, stores)
    body = order(user, "1000")
    assert (await frozen.post(PATH, json=body, headers=STOREFRONT)).json()["status"] == "approved"
    await flag(stores, await hierarchy_of(stores, user))
    again = await frozen.post(PATH, json=body, headers=STOREFRONT)
    assert again.json()["status"] == "approved"


async def clear(
    staff: httpx.AsyncClient, hierarchy_id: str, flag_id: int, reason: str
) -> httpx.Response:
    page = f"/commerce/customer-hierarchies/{hierarchy_id}"
    html = (await staff.get(page)).text
    return await staff.post(
        f"{page}/partner-flags/{flag_id}/clear",
        data={"csrf_token": csrf_in(html), "reason": reason},
    )


async def test_staff_clear_a_flag_with_a_reason_and_purchases_pass_again(
    http: httpx.AsyncClient,
    frozen: httpx.AsyncClient,
    web: WebApp,
    smtp: SmtpSink,
    stores: Stores,
) -> None:
    """The clearing is in the audit log by the account's id, with the reason; orders pass."""
    user, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as staff:
        email = await signed_in_staff(staff, stores, web, "Rep Flags")
        cleared = await clear(staff, hierarchy_id, flag_id, "Successor company confirmed")
        page = (await staff.get(f"/commerce/customer-hierarchies/{hierarchy_id}")).text
    assert cleared.status_code == 303
    audit = await stores.commerce.fetchrow(
        """SELECT actor, after FROM audit_log
           WHERE hierarchy_id = $1 AND action = 'partner_flag_cleared'""",
        hierarchy_id,
    )
    assert audit is not None
    assert audit["actor"] == await staff_account_id(stores, email)
    assert "Successor company confirmed" in audit["after"]
    assert "Rep Flags" in page
    answer = await frozen.post(PATH, json=order(user, "1000"), headers=STOREFRONT)
    assert answer.json()["status"] == "approved"


async def test_clearing_without_a_reason_is_refused_naming_the_field(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An empty reason gets 422 with the page naming Reason, and the flag stays open."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as staff:
        await signed_in_staff(staff, stores, web)
        refused = await clear(staff, hierarchy_id, flag_id, "   ")
    assert refused.status_code == 422
    assert f'href="#flag-{flag_id}-reason">Reason: say why' in refused.text
    [row] = await stores.commerce_store().partner_flags.flags(hierarchy_id)
    assert row["cleared_at"] is None


async def test_the_hierarchy_page_shows_the_flag_with_the_registrys_answer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The finding, the number, the closure's details and the evidence, in Japanese too."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as staff:
        await signed_in_staff(staff, stores, web)
        page = f"/commerce/customer-hierarchies/{hierarchy_id}"
        english = (await staff.get(page)).text
        japanese = (await staff.get(page, params={"lang": "ja"})).text
    section = english.split(f'id="partner-flag-{flag_id}"', 1)[1].split("</section>", 1)[0]
    assert "Closed (or merged away): Open" in section
    assert "8700110005901" in section
    assert "close_cause: merged" in section
    assert "closeCause" in section
    assert "閉鎖（合併による解散を含む）: 未解除" in japanese


async def test_a_flag_of_another_organization_is_not_found(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A flag id under another hierarchy's address clears nothing."""
    _, _, flag_id = await flagged_partner(http, web, smtp, stores)
    other = await hierarchy_of(stores, await partner(http, web, smtp, stores))
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as staff:
        await signed_in_staff(staff, stores, web)
        answer = await clear(staff, other, flag_id, "wrong page")
        unknown = await clear(staff, other, int(uuid.uuid4().int % 10**17) + 10**17, "x")
    assert (answer.status_code, unknown.status_code) == (404, 404)


async def test_erasing_a_flagged_partner_takes_its_flags(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The onboarding's erasure deletes the flags of its hierarchy, and is not refused."""
    user, hierarchy_id, _ = await flagged_partner(http, web, smtp, stores)
    reference = await stores.commerce.fetchval(
        "SELECT reference FROM prospects WHERE lower(email) = lower($1)", user["email"]
    )
    erased = await http.delete(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert erased.status_code == 204
    assert await stores.commerce_store().partner_flags.flags(hierarchy_id) == []
