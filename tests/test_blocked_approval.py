"""An approval that finds the requester's email a site user's (the address was given to a user
after the request was submitted): the onboarding waits as `approval_blocked`, and staff retry
it once the address is free, or reject it."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from devstack.smtp import SmtpSink
from domain.partner_users import NewUser
from plumbing.stores import Stores
from tests.account_helpers import approved_partner, csrf_in, signed_in_staff, wait_for_email
from tests.api_helpers import poll, qualified_opportunity, submitted_lead
from tests.conftest import WebApp
from tests.factories import invited_under, unique_reference

HELD = "the contact's email belongs to a site user"
REJECTED_SUBJECT = "Your business partner request to"


@dataclass(frozen=True)
class Blocked:
    reference: str
    prospect_id: str
    # The requester's email, and the site user who holds it now.
    email: str
    holder: NewUser


async def until_status(
    http: httpx.AsyncClient, web: WebApp, reference: str, status: str, within: float = 30
) -> dict[str, Any]:
    """The onboarding once its run has published `status`."""
    async with asyncio.timeout(within):
        while True:
            response = await http.get(f"/api/onboarding-requests/{reference}", headers=web.staff())
            if response.status_code == 200 and response.json()["status"] == status:
                body: dict[str, Any] = response.json()
                return body
            await asyncio.sleep(0.05)


async def invited_meanwhile(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, email: str
) -> NewUser:
    """Another partner's admin invites `email` while its request waits for Sales: the store
    write of the invitation's run, as it lands between submission and approval."""
    admin = await approved_partner(http, web, smtp)
    hierarchy_id = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE lower(email) = lower($1)", admin
    )
    return await invited_under(stores, hierarchy_id, email)


async def blocked_onboarding(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> Blocked:
    """A won onboarding whose requester's email a site user took before the approval."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "prospect_id")
    prospect_id = onboarding["prospect_id"]
    prospect = await poll(http, web, f"/api/commerce/prospects/{prospect_id}", "email")
    holder = await invited_meanwhile(http, web, smtp, stores, prospect["email"])
    won = await http.post(
        f"/api/sales/opportunities/{opportunity_id}/close",
        json={"outcome": "won"},
        headers=web.staff(),
    )
    assert won.status_code == 202, won.text
    await until_status(http, web, reference, "approval_blocked")
    return Blocked(reference, prospect_id, prospect["email"], holder)


async def resolve(
    http: httpx.AsyncClient, web: WebApp, reference: str, action: str
) -> httpx.Response:
    return await http.post(
        f"/api/onboarding-requests/{reference}/blocked-approval",
        json={"action": action},
        headers=web.staff(),
    )


async def test_an_approval_meeting_a_site_users_email_waits_for_staff(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, client: Client
) -> None:
    """Nothing of the approval is written; the prospect and the run say why; the run waits."""
    blocked = await blocked_onboarding(http, web, smtp, stores)
    state = await until_status(http, web, blocked.reference, "approval_blocked")
    assert (state["closed"], state["customer_hierarchy_id"]) == (False, None)
    events = [(h["event"], h["reason"]) for h in state["history"]]
    assert events[-1] == ("approval_blocked", HELD)
    prospect = await http.get(f"/api/commerce/prospects/{blocked.prospect_id}", headers=web.staff())
    assert (prospect.json()["status"], prospect.json()["status_reason"]) == (
        "approval_blocked",
        HELD,
    )
    described = await client.get_workflow_handle(blocked.reference).describe()
    assert described.status == WorkflowExecutionStatus.RUNNING


async def test_a_retry_once_the_address_is_free_approves_the_partner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The other user removed before activating, a retry approves and the approval email goes."""
    blocked = await blocked_onboarding(http, web, smtp, stores)
    holder = blocked.holder
    removed = await stores.commerce_store().memberships.move(
        holder.hierarchy_id, holder.site_user_id, "removed", "Admin", f"test:{uuid.uuid4().hex}"
    )
    assert removed == "removed"
    answer = await resolve(http, web, blocked.reference, "retry")
    assert answer.status_code == 202, answer.text
    state = await until_status(http, web, blocked.reference, "approved")
    assert state["customer_hierarchy_id"] is not None
    await wait_for_email(smtp, blocked.email, "approved")


async def test_a_retry_while_the_address_is_held_stays_blocked(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A retry that finds the address still held answers with the onboarding blocked again."""
    blocked = await blocked_onboarding(http, web, smtp, stores)
    answer = await resolve(http, web, blocked.reference, "retry")
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "approval_blocked"
    state = await until_status(http, web, blocked.reference, "approval_blocked")
    events = [h["event"] for h in state["history"]]
    assert events[-3:] == ["approval_blocked", "blocked_approval_retry", "approval_blocked"]
    assert state["closed"] is False


async def test_a_rejected_blocked_approval_ends_the_onboarding_rejected(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Reject closes the onboarding and its prospect as rejected, and tells the requester."""
    blocked = await blocked_onboarding(http, web, smtp, stores)
    answer = await resolve(http, web, blocked.reference, "reject")
    assert answer.status_code == 202, answer.text
    state = await poll(http, web, f"/api/onboarding-requests/{blocked.reference}", "closed")
    assert state["status"] == "rejected"
    prospect = await http.get(f"/api/commerce/prospects/{blocked.prospect_id}", headers=web.staff())
    assert prospect.json()["status"] == "rejected"
    await wait_for_email(smtp, blocked.email, REJECTED_SUBJECT)


async def test_only_a_blocked_approval_can_be_resolved(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """An onboarding whose approval is not blocked answers 409; an unknown one 404."""
    reference, _ = await submitted_lead(http, web)
    assert (await resolve(http, web, reference, "retry")).status_code == 409
    assert (await resolve(http, web, unique_reference(), "retry")).status_code == 404


async def test_staff_reject_a_blocked_approval_from_the_prospect_page(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """The prospect's page explains the block and offers Retry and Reject; Reject ends it."""
    blocked = await blocked_onboarding(http, web, smtp, stores)
    page_path = f"/commerce/prospects/{blocked.prospect_id}"
    async with httpx.AsyncClient(base_url=web.url) as staff:
        await signed_in_staff(staff, stores, web)
        page = await staff.get(f"{page_path}?lang=en")
        assert "Approval blocked" in page.text
        assert "Retry approval" in page.text
        posted = await staff.post(
            f"{page_path}/blocked-approval",
            data={"action": "reject", "csrf_token": csrf_in(page.text)},
        )
        assert (posted.status_code, posted.headers["location"]) == (303, page_path)
    state = await poll(http, web, f"/api/onboarding-requests/{blocked.reference}", "closed")
    assert state["status"] == "rejected"
