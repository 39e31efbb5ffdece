"""Dynamics 365 Sales webhook deliveries drive the onboarding, once each, with the secret."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from domain.outcomes import DisqualifyReason, LostReason
from starter.integrations.dataverse import NotADecision, read_event
from tests import dataverse_payloads as dv
from tests.api_helpers import poll, qualified_opportunity, submitted_lead
from tests.conftest import WebApp

SECRET = {"X-Webhook-Secret": "webhook-secret-for-tests"}


async def deliver(http: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await http.post("/api/webhooks/sales", json=body, headers=SECRET)


async def test_qualify_lead_delivery_qualifies(http: httpx.AsyncClient, web: WebApp) -> None:
    """QualifyLead on the lead: the opportunity is created, decided by the Dynamics user."""
    reference, lead_id = await submitted_lead(http, web)
    body = dv.qualify_lead(lead_id)
    response = await deliver(http, body)
    assert response.status_code == 200
    assert response.json()["outcome"] == "delivered"
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    decision = onboarding["history"][1]
    assert (decision["event"], decision["decided_by"]) == (
        "lead_qualified", f"dynamics:{body['InitiatingUserId']}",
    )  # fmt: skip
    assert decision["at"] == "2026-11-30T00:00:00Z"


async def test_win_delivery_approves(http: httpx.AsyncClient, web: WebApp) -> None:
    """Win on the opportunity approves the partner."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    await deliver(http, dv.close_opportunity("Win", opportunity_id, 3))
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    assert onboarding["status"] == "approved"


async def test_lose_delivery_rejects_with_the_reason(http: httpx.AsyncClient, web: WebApp) -> None:
    """Lose with status Out-Sold rejects the onboarding, giving that reason."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    await deliver(http, dv.close_opportunity("Lose", opportunity_id, 5))
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    assert onboarding["status"] == "rejected"
    assert onboarding["history"][-1]["reason"] == "opportunity lost: Out-sold"


async def test_set_state_disqualifies_the_lead(http: httpx.AsyncClient, web: WebApp) -> None:
    """SetState to Disqualified / No longer interested rejects the onboarding."""
    reference, lead_id = await submitted_lead(http, web)
    await deliver(http, dv.set_lead_state(lead_id, state=2, status=6))
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    assert onboarding["history"][1]["reason"] == "No longer interested"


async def test_redelivered_operation_is_a_no_op(http: httpx.AsyncClient, web: WebApp) -> None:
    """The same OperationId delivered again answers "duplicate" and signals nothing."""
    reference, lead_id = await submitted_lead(http, web)
    body = dv.qualify_lead(lead_id)
    first, again = await deliver(http, body), await deliver(http, body)
    assert (first.json()["outcome"], again.json()["outcome"]) == ("delivered", "duplicate")
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    assert [h["event"] for h in onboarding["history"]] == ["requested", "lead_qualified"]


async def test_concurrent_redeliveries_have_one_effect(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Three copies of one delivery at once: one delivered, two duplicates, one decision."""
    reference, lead_id = await submitted_lead(http, web)
    body = dv.set_lead_state(lead_id, state=2, status=4)
    answers = await asyncio.gather(*(deliver(http, body) for _ in range(3)))
    assert sorted(a.json()["outcome"] for a in answers) == ["delivered", "duplicate", "duplicate"]
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    assert [h["event"] for h in onboarding["history"]].count("lead_disqualified") == 1


@pytest.mark.parametrize("headers", [{}, {"X-Webhook-Secret": "wrong"}])
async def test_delivery_without_the_secret_is_401(
    http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """Without the shared secret nothing is read or signalled."""
    response = await http.post(
        "/api/webhooks/sales", json=dv.qualify_lead("LEAD-X"), headers=headers
    )
    assert response.status_code == 401


async def test_delivery_for_an_unknown_lead_is_ignored(http: httpx.AsyncClient) -> None:
    """A lead no onboarding has gets 200 "ignored": nothing to retry, nothing changed."""
    response = await deliver(http, dv.qualify_lead("LEAD-UNKNOWN"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"


async def test_other_messages_are_acknowledged_and_ignored(http: httpx.AsyncClient) -> None:
    """A message that is no decision (Assign) gets 200 "ignored", so it is not retried."""
    response = await deliver(http, dv.context("Assign", "lead", "LEAD-X", []))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"


async def test_decision_after_the_end_is_ignored(
    http: httpx.AsyncClient, web: WebApp, client: Client
) -> None:
    """A delivery for a closed onboarding is acknowledged as ignored."""
    reference, lead_id = await submitted_lead(http, web)
    await deliver(http, dv.set_lead_state(lead_id, state=2, status=7))
    await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    # The run publishes its closed state a moment before it ends; a busy machine shows it.
    await client.get_workflow_handle(reference).result()
    late = await deliver(http, dv.qualify_lead(lead_id))
    assert (late.json()["outcome"], late.json()["detail"]) == (
        "ignored",
        "the onboarding has ended",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (dv.set_lead_state("L1", state=1, status=3), ("lead", "L1", "qualify", None)),
        (dv.set_lead_state("L1", state=2, status=5),
         ("lead", "L1", "disqualify", DisqualifyReason.CANNOT_CONTACT)),
        (dv.context("SetState", "opportunity", "O1", [{"key": "Status", "value": dv.option(3)}]),
         ("opportunity", "O1", "won", None)),
        (dv.context("SetState", "opportunity", "O1", [{"key": "Status", "value": dv.option(4)}]),
         ("opportunity", "O1", "lost", LostReason.CANCELED)),
        (dv.close_opportunity("Win", "O2", 3), ("opportunity", "O2", "won", None)),
        (dv.close_opportunity("LoseOpportunity", "O2", 5),
         ("opportunity", "O2", "lost", LostReason.OUT_SOLD)),
        (dv.update("lead", "L3", {"statecode": dv.option(2), "statuscode": dv.option(6)}),
         ("lead", "L3", "disqualify", DisqualifyReason.NO_LONGER_INTERESTED)),
        (dv.update("opportunity", "O3", {"statecode": dv.option(1), "statuscode": dv.option(3)}),
         ("opportunity", "O3", "won", None)),
    ],
)  # fmt: skip
def test_context_maps_to_a_decision(body: dict[str, Any], expected: tuple[Any, ...]) -> None:
    """Each Dataverse message and status maps to the decision the workflow understands."""
    event = read_event(body)
    assert (event.entity, event.record_id, event.action, event.reason) == expected


def test_an_update_of_other_columns_is_not_a_decision() -> None:
    """An Update that leaves the state alone (a new phone number) decides nothing."""
    with pytest.raises(NotADecision):
        read_event(dv.update("lead", "L1", {"telephone1": "+81 3 0000 0000"}))


def test_reopening_a_lead_is_not_a_decision() -> None:
    """SetState back to Open carries no decision."""
    with pytest.raises(NotADecision):
        read_event(dv.set_lead_state("L1", state=0, status=1))
