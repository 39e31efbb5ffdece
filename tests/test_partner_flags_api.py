"""Partner flags in the staff JSON API: listed with the customer hierarchy, newest first and
without the registry's personal data, and cleared with a reason that the audit log keeps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.conftest import WebApp
from tests.test_partner_recheck_flags import flagged_partner, hierarchy_of
from tests.test_purchases import partner

HIERARCHIES = "/api/commerce/customer-hierarchies"


async def cancelled(stores: Stores, hierarchy_id: str) -> int:
    """A later flag: the invoice registration of a sole proprietor cancelled."""
    details = {"cancelled_on": "2026-12-01", "trade_name": "山田太郎"}
    flag_id, raised = await stores.commerce_store().partner_flags.raise_flag(
        hierarchy_id, "nta_invoice", "T8700110005901", "registration_cancelled", "山田太郎",
        "東京都千代田区丸の内1-2-3", details, {"name": "山田太郎"}, datetime.now(UTC),
    )  # fmt: skip
    assert raised
    return flag_id


async def flags_of(http: httpx.AsyncClient, web: WebApp, hierarchy_id: str) -> list[Any]:
    answer = await http.get(f"{HIERARCHIES}/{hierarchy_id}", headers=web.staff())
    assert answer.status_code == 200, answer.text
    flags: list[Any] = answer.json()["flags"]
    return flags


async def cleared(
    http: httpx.AsyncClient, web: WebApp, hierarchy_id: str, flag_id: int | str, body: Any
) -> httpx.Response:
    return await http.post(
        f"{HIERARCHIES}/{hierarchy_id}/flags/{flag_id}/clear",
        json=body,
        headers=web.staff("Rep Sato"),
    )


async def test_the_hierarchy_lists_its_flags_newest_first(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Each flag with its registry, kind, dates and details; the later one first."""
    _, hierarchy_id, closed_id = await flagged_partner(http, web, smtp, stores)
    cancelled_id = await cancelled(stores, hierarchy_id)
    later, earlier = await flags_of(http, web, hierarchy_id)
    assert (later["id"], earlier["id"]) == (cancelled_id, closed_id)
    assert (later["registry"], later["kind"]) == ("nta_invoice", "registration_cancelled")
    assert earlier["details"] == {"closed_on": "2026-11-30", "close_cause": "merged"}
    assert (earlier["cleared_at"], earlier["cleared_by"], earlier["reason"]) == (None,) * 3


async def test_a_flag_carries_no_personal_data(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A sole proprietor's name and address, in the flag's details or evidence, stay out."""
    _, hierarchy_id, _ = await flagged_partner(http, web, smtp, stores)
    await cancelled(stores, hierarchy_id)
    answer = await http.get(f"{HIERARCHIES}/{hierarchy_id}", headers=web.staff())
    assert "山田" not in answer.text
    assert "丸の内" not in answer.text
    [flag] = [f for f in answer.json()["flags"] if f["kind"] == "registration_cancelled"]
    assert flag["details"] == {"cancelled_on": "2026-12-01"}


async def test_staff_clear_a_flag_with_a_reason_audited(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """200 with the cleared flag; the audit log and the hierarchy read name the caller."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    answer = await cleared(http, web, hierarchy_id, flag_id, {"reason": " Re-registered "})
    assert answer.status_code == 200, answer.text
    flag = answer.json()
    assert (flag["id"], flag["cleared_by"], flag["reason"]) == (
        flag_id,
        "api:Rep Sato",
        "Re-registered",
    )
    assert flag["cleared_at"] is not None
    audit = await stores.commerce.fetchrow(
        """SELECT actor, after FROM audit_log
           WHERE hierarchy_id = $1 AND action = 'partner_flag_cleared'""",
        hierarchy_id,
    )
    assert audit is not None
    assert audit["actor"] == "api:Rep Sato"
    assert "Re-registered" in audit["after"]
    [listed] = await flags_of(http, web, hierarchy_id)
    assert listed == flag


async def test_clearing_a_cleared_flag_is_409(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A second clearing changes nothing: the first reason stays."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    first = await cleared(http, web, hierarchy_id, flag_id, {"reason": "Re-registered"})
    again = await cleared(http, web, hierarchy_id, flag_id, {"reason": "Another reason"})
    assert (first.status_code, again.status_code) == (200, 409)
    assert "already cleared" in again.json()["detail"]
    [listed] = await flags_of(http, web, hierarchy_id)
    assert listed["reason"] == "Re-registered"


async def test_clearing_without_a_reason_is_422_naming_it(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """No reason, or only spaces, is refused naming `reason`; the flag stays open."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    for body in ({}, {"reason": "   "}):
        refused = await cleared(http, web, hierarchy_id, flag_id, body)
        assert refused.status_code == 422, refused.text
        assert ["body", "reason"] in [e["loc"] for e in refused.json()["detail"]]
    [listed] = await flags_of(http, web, hierarchy_id)
    assert listed["cleared_at"] is None


async def test_a_flag_of_another_organization_is_404(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A flag id under another hierarchy, or an unknown one, clears nothing."""
    _, hierarchy_id, flag_id = await flagged_partner(http, web, smtp, stores)
    other = await hierarchy_of(stores, await partner(http, web, smtp, stores))
    unknown = uuid.uuid4().int % 10**17 + 10**17
    body = {"reason": "wrong organization"}
    answers = [
        await cleared(http, web, other, flag_id, body),
        await cleared(http, web, hierarchy_id, unknown, body),
    ]
    assert [a.status_code for a in answers] == [404, 404]
    [listed] = await flags_of(http, web, hierarchy_id)
    assert listed["cleared_at"] is None
