"""Orders that need approval reach the organization's approvers and admins, and only whoever
may decide them now decides them, on the approvals page (SPEC.md, "Buyer organizations")."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from activities.models import ApprovalNoticeInput
from commerce.approvals import Approvals, NotADecider
from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests.account_helpers import csrf_in, text_of, wait_for_email
from tests.approval_helpers import (
    Member,
    about,
    decide,
    hierarchy_of,
    member,
    recipients,
    set_role,
    signed_in,
)
from tests.attempt_envs import attempt_env
from tests.conftest import WebApp
from tests.test_purchase_reasons import waiting_for_a_lock
from tests.test_purchases import PATH, STOREFRONT, partner
from workers.worker import build_activities


async def organization(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> dict[str, Member]:
    """Two admins (the requester first), an approver and a buyer whose limit is 1000 yen."""
    requester = await partner(http, web, smtp, stores)
    hierarchy = await hierarchy_of(stores, requester["site_user_id"])
    return {
        "admin": Member(requester["site_user_id"], requester["email"], "admin"),
        "admin2": await member(stores, hierarchy, "admin"),
        "approver": await member(stores, hierarchy, "approver"),
        "buyer": await member(stores, hierarchy, "buyer", limit="1000"),
    }


async def waiting(http: httpx.AsyncClient, buyer: Member, amount: str = "5000") -> str:
    """The buyer's order over their limit, placed by the storefront; its reference."""
    body: dict[str, Any] = {
        "order_reference": f"ORD-{buyer.site_user_id[-6:]}-{amount}",
        "site_user_id": buyer.site_user_id,
        "amount": amount,
        "currency": "JPY",
    }
    answer = await http.post(PATH, json=body, headers=STOREFRONT)
    assert answer.json()["status"] == "needs_approval", answer.text
    reference: str = body["order_reference"]
    return reference


async def admins_own_order(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, amount: str
) -> tuple[dict[str, Member], str]:
    """The organization above, and the reference of the first admin's own order over their
    per-order limit (lowered to 1000 yen), waiting for approval."""
    people = await organization(http, web, smtp, stores)
    await stores.commerce.execute(
        "UPDATE site_users SET spending_limit = 1000 WHERE id = $1", people["admin"].site_user_id
    )
    return people, await waiting(http, people["admin"], amount)


async def tomorrow_in_the_shop(stores: Stores) -> str:
    found = await stores.commerce.fetchval(
        "SELECT ((now() AT TIME ZONE 'Asia/Tokyo')::date + 1)::text"
    )
    return str(found)


async def status_of(http: httpx.AsyncClient, reference: str) -> tuple[str, str | None]:
    answer = (await http.get(f"{PATH}/{reference}", headers=STOREFRONT)).json()
    return answer["status"], answer["reason"]


async def test_an_order_reaches_the_approvers_and_admins_but_not_its_buyer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Each admin and the approver get one email naming the order; the buyer gets none."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    for role in ("admin", "admin2", "approver"):
        [email] = await wait_for_email(smtp, people[role].email, reference)
        assert "/organization/approvals" in text_of(email)
    assert about(smtp, people["buyer"].email, reference) == []
    assert await recipients(stores, reference) == {
        people[r].site_user_id for r in ("admin", "admin2", "approver")
    }


async def test_the_emails_of_an_order_go_once_however_often_they_are_sent(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, settings: Settings
) -> None:
    """Sent again (a retried activity), each decider's email finds its Message-ID sent."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    for role in ("admin", "admin2", "approver"):
        await wait_for_email(smtp, people[role].email, reference)
    notice = ApprovalNoticeInput(order_reference=reference, notice="request")
    async with build_activities(stores, settings) as activities:
        assert await attempt_env().run(activities.approvals.notify_deciders, notice) == 3
    sent = {role: len(about(smtp, person.email, reference)) for role, person in people.items()}
    assert sent == {"admin": 1, "admin2": 1, "approver": 1, "buyer": 0}
    kept = await stores.commerce.fetchval(
        "SELECT count(*) FROM email_outbox WHERE reference LIKE $1 || '.%'",
        f"purchase-approval-{reference}",
    )
    assert kept == 3


async def test_the_approver_approves_on_the_approvals_page_and_the_decision_is_audited(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The order is listed for the approver; Approve approves it, audited by their account id."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    async with signed_in(web.url, people["approver"]) as approver:
        assert reference in (await approver.get("/organization/approvals?lang=en")).text
        decided = await decide(approver, reference, "approve")
    assert decided.headers["location"] == "/organization/approvals?done=approved"
    assert await status_of(http, reference) == ("approved", None)
    audit = await stores.commerce.fetchrow(
        "SELECT actor, action FROM audit_log WHERE change_key = $1",
        f"purchase-decision:{reference}",
    )
    assert audit is not None
    assert (audit["actor"], audit["action"]) == (
        people["approver"].site_user_id,
        "purchase_decided",
    )
    async with signed_in(web.url, people["admin2"]) as admin:
        log = await admin.get("/organization/audit?lang=en")
    assert log.status_code == 200
    assert "purchase_decided" in log.text


async def test_a_decision_on_a_decided_order_is_a_conflict(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Declined by one admin, the other's Approve answers 409 with a message; nothing changes."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    async with (
        signed_in(web.url, people["admin2"]) as first,
        signed_in(web.url, people["approver"]) as second,
    ):
        assert (await decide(first, reference, "decline")).status_code == 303
        late = await decide(second, reference, "approve")
    assert late.status_code == 409
    assert "already decided" in late.text
    assert await status_of(http, reference) == ("declined", "admin_declined")


async def test_a_buyer_may_not_decide(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Another buyer of the organization sees nothing to decide, and their Approve is a 403."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    other = await member(stores, await hierarchy_of(stores, people["buyer"].site_user_id), "buyer")
    async with signed_in(web.url, other) as buyer:
        assert reference not in (await buyer.get("/organization/approvals?lang=en")).text
        refused = await decide(buyer, reference, "approve")
    assert refused.status_code == 403
    assert await status_of(http, reference) == ("needs_approval", "over_spending_limit")


async def test_an_admin_decides_their_own_order_only_as_the_only_admin(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """With a second admin, the admin's own order goes to the others; alone, to them too."""
    people, own = await admins_own_order(http, web, smtp, stores, "6000")
    admin = people["admin"]
    assert admin.site_user_id not in await recipients(stores, own)
    async with signed_in(web.url, admin) as browser:
        assert (await decide(browser, own, "approve")).status_code == 403
        await set_role(stores, people["admin2"].site_user_id, "approver")
        assert admin.site_user_id in await recipients(stores, own)
        assert (await decide(browser, own, "approve")).status_code == 303
    assert await status_of(http, own) == ("approved", None)


async def test_a_removed_approver_drops_out_and_may_no_longer_decide(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Removed while the order waits: not among those it reaches, and the decision is refused."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    approver = people["approver"]
    assert approver.site_user_id in await recipients(stores, reference)
    await stores.commerce_store().accounts.set_site_user_status(approver.site_user_id, "removed")
    assert await recipients(stores, reference) == {
        people["admin"].site_user_id, people["admin2"].site_user_id,
    }  # fmt: skip

    async def guard(conn: Any, row: dict[str, Any]) -> None:
        await Approvals.check_decider(conn, row, approver.site_user_id, "approve")

    with pytest.raises(NotADecider):
        await stores.commerce_store().credit.step(
            reference, "approve", approver.site_user_id, guard
        )
    assert await status_of(http, reference) == ("needs_approval", "over_spending_limit")


async def test_a_decision_waits_for_a_demotion_in_progress_and_is_then_refused(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The decider's role is read under a share lock: a demotion being written is waited for."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    async with (
        signed_in(web.url, people["approver"]) as approver,
        stores.commerce.acquire() as conn,
    ):
        demotion = conn.transaction()
        await demotion.start()
        await conn.execute(
            """UPDATE customer_hierarchy_members m SET role = 'buyer' FROM site_users u
               WHERE u.id = $1 AND m.customer_id = u.customer_id
                 AND m.hierarchy_id = u.hierarchy_id""",
            people["approver"].site_user_id,
        )
        decision = asyncio.create_task(decide(approver, reference, "approve"))
        await waiting_for_a_lock(stores, "FOR SHARE OF u, m")
        await demotion.commit()
        assert (await decision).status_code == 403
    assert await status_of(http, reference) == ("needs_approval", "over_spending_limit")


async def test_a_delegation_hands_the_emails_to_the_delegate_until_it_ends(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Delegated, the approver is reached no more and the delegate is; ended, back again."""
    people = await organization(http, web, smtp, stores)
    approver, delegate = people["approver"], people["admin2"]
    async with signed_in(web.url, approver) as browser:
        page = await browser.get("/organization/approvals?lang=en")
        token = csrf_in(page.text)
        tomorrow = await tomorrow_in_the_shop(stores)
        delegated = await browser.post(
            "/organization/delegation",
            data={"csrf_token": token, "delegate_id": delegate.site_user_id, "until": tomorrow},
        )
        assert delegated.status_code == 303
        reference = await waiting(http, people["buyer"])
        assert approver.site_user_id not in await recipients(stores, reference)
        assert delegate.site_user_id in await recipients(stores, reference)
        ended = await browser.post("/organization/delegation/end", data={"csrf_token": token})
        assert ended.status_code == 303
    assert approver.site_user_id in await recipients(stores, reference)
    actions = await stores.commerce.fetch(
        "SELECT actor, action FROM audit_log WHERE actor = $1 ORDER BY id", approver.site_user_id
    )
    assert [a["action"] for a in actions] == ["approvals_delegated", "delegation_ended"]


async def test_bad_delegations_are_field_errors_and_change_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A buyer as delegate, a date that is no date or in the past: 422 naming the field."""
    people = await organization(http, web, smtp, stores)
    async with signed_in(web.url, people["approver"]) as browser:
        token = csrf_in((await browser.get("/organization/approvals?lang=en")).text)
        admin = people["admin"].site_user_id
        for delegate_id, until, label in (
            (people["buyer"].site_user_id, await tomorrow_in_the_shop(stores), "Delegate to"),
            (admin, "next week", "Until"),
            (admin, "2001-01-01", "Until"),
        ):
            refused = await browser.post(
                "/organization/delegation",
                data={"csrf_token": token, "delegate_id": delegate_id, "until": until},
            )
            assert refused.status_code == 422, (delegate_id, until)
            assert f'href="#{"delegate_id" if label == "Delegate to" else "until"}"' in refused.text
            assert label in refused.text
    found = await stores.commerce.fetchval(
        "SELECT count(*) FROM approval_delegations WHERE delegator_id = $1",
        people["approver"].site_user_id,
    )
    assert found == 0


async def test_a_decision_and_the_deciders_own_order_at_once_both_finish(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The decision takes the approver's row before the credit row, as the approver's own
    order does, so the two wait in turn instead of on each other."""
    people = await organization(http, web, smtp, stores)
    reference = await waiting(http, people["buyer"])
    approver = people["approver"]
    credit_of = await stores.commerce.fetchval(
        """SELECT h.organization_customer_id FROM site_users u
           JOIN customer_hierarchies h ON h.id = u.hierarchy_id WHERE u.id = $1""",
        approver.site_user_id,
    )
    async with signed_in(web.url, approver) as browser, stores.commerce.acquire() as order:
        # The approver's own order, as the authorization takes its locks: their row first.
        async with order.transaction():
            await order.execute(
                "SELECT 1 FROM site_users WHERE id = $1 FOR NO KEY UPDATE", approver.site_user_id
            )
            decision = asyncio.create_task(decide(browser, reference, "approve"))
            await waiting_for_a_lock(stores, "ORDER BY id FOR NO KEY UPDATE")
            # Then the credit row, which the waiting decision has not taken.
            await order.execute("SET LOCAL lock_timeout = '10s'")
            await order.execute(
                "SELECT 1 FROM credit_limits WHERE customer_id = $1 FOR UPDATE", credit_of
            )
        assert (await decision).status_code == 303
    assert await status_of(http, reference) == ("approved", None)
