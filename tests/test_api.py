"""The JSON API contract (SPEC.md, "Interfaces") against the running app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from temporalio.client import Client

from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services import delivery
from starter.services.start import OnboardingStarter
from tests.api_helpers import poll, qualified_opportunity, request_body, submitted_lead
from tests.conftest import WebApp
from tests.factories import disqualified, make_request, start_until_lead, unique_email
from workers.worker import running_worker
from workflows.onboarding import OnboardingWorkflow

OwnWorker = Callable[[], AbstractAsyncContextManager[object]]


@pytest.fixture
def own_worker(client: Client, stores: Stores, settings: Settings, task_queue: str) -> OwnWorker:
    """A worker for the test's own queue, to run while the test starts its onboarding and
    to stop before the reads that must do without it."""
    return lambda: running_worker(client, task_queue, stores, settings)


STAFF_ROUTES = [
    ("GET", "/api/onboarding-requests/B2B-X"),
    ("DELETE", "/api/onboarding-requests/B2B-X"),
    ("GET", "/api/sales/leads?view=commerce-b2b"),
    ("GET", "/api/sales/leads?view=my-open"),
    ("GET", "/api/sales/leads/LEAD-X"),
    ("POST", "/api/sales/leads/LEAD-X/qualify"),
    ("POST", "/api/sales/leads/LEAD-X/disqualify"),
    ("GET", "/api/sales/opportunities/OPP-X"),
    ("POST", "/api/sales/opportunities/OPP-X/close"),
    ("GET", "/api/commerce/prospects"),
    ("GET", "/api/commerce/prospects/PRO-X"),
    ("GET", "/api/commerce/customer-hierarchies/HIER-X"),
]


async def test_submit_answers_202_with_reference_and_status_link(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A valid request is accepted with its reference, status and a signed status URL."""
    response = await http.post("/api/onboarding-requests", json=request_body("ja"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert body["reference"].startswith("B2B-")
    assert body["status_url"].startswith(f"{web.url}/partner/status/{body['reference']}?sig=")
    status_page = await http.get(body["status_url"])
    assert status_page.status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("first_name", ""), ("last_name", "x" * 201)],
)
async def test_invalid_contact_field_is_422_naming_it(
    http: httpx.AsyncClient, field: str, value: str
) -> None:
    """An invalid field answers 422 with the field's path in the error."""
    response = await http.post("/api/onboarding-requests", json=request_body(**{field: value}))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "contact", field]]


async def test_missing_company_name_is_422_naming_it(http: httpx.AsyncClient) -> None:
    """The required company name, left out, is named."""
    body = request_body()
    del body["company"]["name"]
    response = await http.post("/api/onboarding-requests", json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "company", "name"]]


async def test_same_payload_twice_returns_the_same_reference(http: httpx.AsyncClient) -> None:
    """A retried submission (same payload, same open email) is the same onboarding."""
    body = request_body()
    first = await http.post("/api/onboarding-requests", json=body)
    again = await http.post("/api/onboarding-requests", json=body)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["reference"] == first.json()["reference"]


async def test_other_request_for_an_open_email_is_409(http: httpx.AsyncClient) -> None:
    """A different request for an email with an open onboarding is 409 with its reference."""
    email = unique_email()
    first = await http.post("/api/onboarding-requests", json=request_body(email=email))
    other = request_body(email=email.upper())
    other["comments"] = "Another request"
    second = await http.post("/api/onboarding-requests", json=other)
    assert second.status_code == 409
    assert second.json()["reference"] == first.json()["reference"]


async def test_idempotency_key_returns_the_same_reference(http: httpx.AsyncClient) -> None:
    """The same Idempotency-Key with the same payload answers with the first reference."""
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = request_body()
    first = await http.post("/api/onboarding-requests", json=body, headers=key)
    again = await http.post("/api/onboarding-requests", json=body, headers=key)
    assert again.status_code == 202
    assert again.json()["reference"] == first.json()["reference"]


async def test_idempotency_key_with_another_payload_is_409(http: httpx.AsyncClient) -> None:
    """Reusing an Idempotency-Key for a different request is a conflict naming its first use."""
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = await http.post("/api/onboarding-requests", json=request_body(), headers=key)
    response = await http.post("/api/onboarding-requests", json=request_body(), headers=key)
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert response.json()["reference"] == first.json()["reference"]


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
async def test_staff_route_without_token_is_401(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    """Every staff endpoint answers 401 with a Bearer challenge when no token is sent."""
    response = await http.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_staff_route_with_wrong_token_is_401(http: httpx.AsyncClient) -> None:
    """A wrong token is no token."""
    response = await http.get("/api/commerce/prospects", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/onboarding-requests/B2B-UNKNOWN",
        "/api/sales/leads/LEAD-UNKNOWN",
        "/api/sales/opportunities/OPP-UNKNOWN",
        "/api/commerce/prospects/PRO-UNKNOWN",
        "/api/commerce/customer-hierarchies/HIER-UNKNOWN",
    ],
)
async def test_unknown_id_is_404(http: httpx.AsyncClient, web: WebApp, path: str) -> None:
    """Reading an id that does not exist answers 404."""
    response = await http.get(path, headers=web.staff())
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/sales/leads/LEAD-UNKNOWN/qualify", None),
        ("/api/sales/leads/LEAD-UNKNOWN/disqualify", {"reason": "Lost"}),
        ("/api/sales/opportunities/OPP-UNKNOWN/close", {"outcome": "won"}),
    ],
)
async def test_decision_on_unknown_id_is_404(
    http: httpx.AsyncClient, web: WebApp, path: str, body: dict[str, str] | None
) -> None:
    """A decision on a lead or opportunity that does not exist answers 404."""
    response = await http.post(path, json=body, headers=web.staff())
    assert response.status_code == 404


async def test_b2b_lead_is_in_all_b2b_leads_not_in_my_open(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """An unowned Commerce lead shows in "All Commerce B2B leads" only."""
    _, lead_id = await submitted_lead(http, web)
    all_b2b = await http.get("/api/sales/leads?view=commerce-b2b&limit=500", headers=web.staff())
    my_open = await http.get("/api/sales/leads?view=my-open", headers=web.staff())
    assert lead_id in [lead["id"] for lead in all_b2b.json()]
    assert lead_id not in [lead["id"] for lead in my_open.json()]


async def test_lead_has_contact_company_and_timeline(http: httpx.AsyncClient, web: WebApp) -> None:
    """The lead shows its Contact and Company sections and the note from Commerce."""
    reference, lead_id = await submitted_lead(http, web)
    lead = (await http.get(f"/api/sales/leads/{lead_id}", headers=web.staff())).json()
    assert (lead["status"], lead["origin"], lead["owner"]) == ("open", "Commerce B2B", None)
    assert lead["contact"]["first_name"] == "Aiko"
    assert lead["company"]["name"] == "Contoso Ltd"
    assert lead["company"]["postal_code"] == "100-0005"
    onboarding = (
        await http.get(f"/api/onboarding-requests/{reference}", headers=web.staff())
    ).json()
    assert [n["body"] for n in lead["timeline"]] == [
        f"Created from Commerce prospect {onboarding['prospect_id']} (request {reference})."
    ]


async def test_second_lead_decision_is_409(http: httpx.AsyncClient, web: WebApp) -> None:
    """After a qualify, another qualify or a disqualify answers 409 and changes nothing."""
    reference, lead_id = await submitted_lead(http, web)
    staff = web.staff()
    first = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=staff)
    again = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=staff)
    disqualify = await http.post(
        f"/api/sales/leads/{lead_id}/disqualify", json={"reason": "Lost"}, headers=staff
    )
    assert (first.status_code, again.status_code, disqualify.status_code) == (202, 409, 409)
    assert again.json() == {"detail": "the lead is already decided", "reference": reference}
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    assert onboarding["status"] == "qualified"


async def test_concurrent_decisions_have_one_effect(http: httpx.AsyncClient, web: WebApp) -> None:
    """Qualify and disqualify sent at once: one 202, one 409."""
    _, lead_id = await submitted_lead(http, web)
    staff = web.staff()
    answers = await asyncio.gather(
        http.post(f"/api/sales/leads/{lead_id}/qualify", headers=staff),
        http.post(f"/api/sales/leads/{lead_id}/disqualify", json={"reason": "Lost"}, headers=staff),
    )
    assert sorted(a.status_code for a in answers) == [202, 409]


async def test_disqualify_with_unknown_reason_is_422(http: httpx.AsyncClient, web: WebApp) -> None:
    """A reason outside Dynamics' list is refused, naming the field."""
    response = await http.post(
        "/api/sales/leads/LEAD-ANY/disqualify", json={"reason": "Bored"}, headers=web.staff()
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "reason"]


async def test_close_lost_without_reason_is_422(http: httpx.AsyncClient, web: WebApp) -> None:
    """Closing as lost needs a reason."""
    response = await http.post(
        "/api/sales/opportunities/OPP-ANY/close", json={"outcome": "lost"}, headers=web.staff()
    )
    assert response.status_code == 422


async def test_second_close_is_409(http: httpx.AsyncClient, web: WebApp) -> None:
    """Closing an opportunity twice: the second close is 409."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    path = f"/api/sales/opportunities/{opportunity_id}/close"
    first = await http.post(
        path, json={"outcome": "lost", "reason": "Out-sold"}, headers=web.staff()
    )
    again = await http.post(path, json={"outcome": "won"}, headers=web.staff())
    assert (first.status_code, again.status_code) == (202, 409)
    assert again.json()["reference"] == reference


async def test_disqualify_rejects_the_onboarding(http: httpx.AsyncClient, web: WebApp) -> None:
    """Disqualify through the API: the onboarding and its prospect end rejected; the
    decision is the program's (`api:<name>`)."""
    reference, lead_id = await submitted_lead(http, web)
    response = await http.post(
        f"/api/sales/leads/{lead_id}/disqualify",
        json={"reason": "Cannot contact"},
        headers=web.staff("rep@shop.example"),
    )
    assert response.status_code == 202
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    assert onboarding["status"] == "rejected"
    decision = onboarding["history"][1]
    assert (decision["event"], decision["decided_by"], decision["reason"]) == (
        "lead_disqualified", "api:rep@shop.example", "Cannot contact",
    )  # fmt: skip
    prospect = (
        await http.get(f"/api/commerce/prospects/{onboarding['prospect_id']}", headers=web.staff())
    ).json()
    assert prospect["status"] == "rejected"


async def test_won_opportunity_shows_the_partner_everywhere(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Close as won: onboarding approved, prospect listed as approved, hierarchy with its admin."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    response = await http.post(
        f"/api/sales/opportunities/{opportunity_id}/close",
        json={"outcome": "won", "credit_limit": {"amount": "250000", "currency": "USD"}},
        headers=web.staff(),
    )
    assert response.status_code == 202
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    assert onboarding["status"] == "approved"
    opportunity = (
        await http.get(f"/api/sales/opportunities/{opportunity_id}", headers=web.staff())
    ).json()
    assert opportunity["status"] == "won"
    approved = await http.get(
        "/api/commerce/prospects?status=approved&limit=500", headers=web.staff()
    )
    assert reference in [p["reference"] for p in approved.json()]
    hierarchy = (
        await http.get(
            f"/api/commerce/customer-hierarchies/{onboarding['customer_hierarchy_id']}",
            headers=web.staff(),
        )
    ).json()
    assert hierarchy["purpose"] == "B2B organization"
    assert (hierarchy["credit_limit_amount"], hierarchy["credit_limit_currency"]) == (
        "250000.00", "USD",
    )  # fmt: skip
    assert [(m["role"], m["site_user_status"]) for m in hierarchy["members"]] == [
        ("admin", "invited")
    ]


async def test_prospect_status_filter_is_validated(http: httpx.AsyncClient, web: WebApp) -> None:
    """An unknown status filter is 422 naming the parameter."""
    response = await http.get("/api/commerce/prospects?status=lost", headers=web.staff())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status"]


async def test_erase_removes_the_onboarding_everywhere(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """DELETE stops the run and leaves no prospect or lead behind; an unknown one is 404."""
    reference, lead_id = await submitted_lead(http, web)
    onboarding = (
        await http.get(f"/api/onboarding-requests/{reference}", headers=web.staff())
    ).json()
    erased = await http.delete(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert erased.status_code == 204
    prospect = f"/api/commerce/prospects/{onboarding['prospect_id']}"
    for path in (prospect, f"/api/sales/leads/{lead_id}"):
        assert (await http.get(path, headers=web.staff())).status_code == 404
    qualify = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert qualify.status_code == 404
    again = await http.delete(f"/api/onboarding-requests/B2B-NEVER{lead_id}", headers=web.staff())
    assert again.status_code == 404


async def test_healthz_reports_every_dependency(http: httpx.AsyncClient) -> None:
    """The app reaches Temporal and both stores."""
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "temporal": True, "commerce": True, "sales": True}


async def test_openapi_describes_the_contract(http: httpx.AsyncClient) -> None:
    """/openapi.json lists every path of the contract, with bearer auth declared."""
    document = (await http.get("/openapi.json")).json()
    assert set(document["paths"]) == {
        "/api/onboarding-requests",
        "/api/onboarding-requests/{reference}",
        "/api/onboarding-requests/{reference}/blocked-approval",
        "/api/sales/leads",
        "/api/sales/leads/{lead_id}",
        "/api/sales/leads/{lead_id}/qualify",
        "/api/sales/leads/{lead_id}/disqualify",
        "/api/sales/opportunities/{opportunity_id}",
        "/api/sales/opportunities/{opportunity_id}/close",
        "/api/sales/information-requests/files/{file_id}",
        "/api/sales/leads/{lead_id}/information-requests",
        "/api/commerce/prospects",
        "/api/commerce/prospects/{prospect_id}",
        "/api/commerce/customer-hierarchies/{hierarchy_id}",
        "/api/commerce/customer-hierarchies/{hierarchy_id}/site-users",
        "/api/commerce/customer-hierarchies/{hierarchy_id}/flags/{flag_id}/clear",
        "/api/commerce/site-users/{site_user_id}/block",
        "/api/commerce/site-users/{site_user_id}/unblock",
        "/api/partner/purchase-authorizations",
        "/api/partner/purchase-authorizations/{order_reference}",
        "/api/partner/purchase-authorizations/{order_reference}/invoice",
        "/api/partner/purchase-authorizations/{order_reference}/cancel",
        "/api/partner/site-users/{site_user_id}/purchasing",
        "/healthz",
        "/api/webhooks/sales",
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


async def test_qualify_answers_with_the_new_opportunity(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """The qualify call returns once the opportunity exists, with its id, ready to close."""
    reference, lead_id = await submitted_lead(http, web)
    response = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    body = response.json()
    assert (response.status_code, body["status"]) == (202, "qualified")
    opportunity = await http.get(
        f"/api/sales/opportunities/{body['opportunity_id']}", headers=web.staff()
    )
    assert opportunity.status_code == 200
    assert opportunity.json()["reference"] == reference


@pytest.fixture
def decisions_outlast_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API stops waiting for a decision's work at once, as when that work is slow."""
    monkeypatch.setattr(delivery, "DECISION_WAIT", 0.0)


@pytest.mark.usefixtures("decisions_outlast_the_wait")
async def test_qualify_slower_than_the_wait_is_accepted_once(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A qualify whose work outlasts the API's wait answers 202 and is taken exactly once."""
    reference, lead_id = await submitted_lead(http, web)
    response = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert response.status_code == 202, response.text
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "opportunity_id")
    events = [h["event"] for h in onboarding["history"]]
    assert (onboarding["status"], events.count("lead_qualified")) == ("qualified", 1)


@pytest.mark.usefixtures("decisions_outlast_the_wait")
async def test_refusal_slower_than_the_wait_is_409(http: httpx.AsyncClient, web: WebApp) -> None:
    """A refusal that arrives after the API's wait is still answered 409 with its reason."""
    reference, lead_id = await submitted_lead(http, web)
    qualify = f"/api/sales/leads/{lead_id}/qualify"
    first = await http.post(qualify, headers=web.staff())
    again = await http.post(qualify, headers=web.staff())
    assert (first.status_code, again.status_code) == (202, 409)
    assert again.json() == {"detail": "the lead is already decided", "reference": reference}


async def test_waiting_onboarding_reads_back_with_no_worker_left(
    http: httpx.AsyncClient,
    web: WebApp,
    client: Client,
    starter: OnboardingStarter,
    own_worker: OwnWorker,
) -> None:
    """An onboarding waiting for its lead decision is read from the state its run published:
    no worker is left to answer a query, yet the read shows its lead."""
    async with own_worker():
        handle = await start_until_lead(client, starter, make_request("en"))
        waiting = await handle.query(OnboardingWorkflow.state)
    # A read that asked the run would wait for a worker; give up on it soon instead.
    response = await http.get(
        f"/api/onboarding-requests/{handle.id}", headers=web.staff(), timeout=10
    )
    await handle.terminate("test done")
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "pending")
    assert body["lead_id"] == waiting.ids.lead_id


async def test_erased_onboarding_whose_worker_is_gone_reads_as_404(
    http: httpx.AsyncClient,
    web: WebApp,
    client: Client,
    starter: OnboardingStarter,
    own_worker: OwnWorker,
) -> None:
    """Erased after its run was stopped for another reason, with no worker left for its
    queue, the onboarding reads as 404 without waiting on a replay of the run."""
    async with own_worker():
        handle = await start_until_lead(client, starter, make_request("en"))
    await handle.terminate("stopped by an operator")
    erased = await http.delete(f"/api/onboarding-requests/{handle.id}", headers=web.staff())
    assert erased.status_code == 204
    # A read that replayed the run would wait for a worker; give up on it soon instead.
    response = await http.get(
        f"/api/onboarding-requests/{handle.id}", headers=web.staff(), timeout=5
    )
    assert response.status_code == 404


async def test_finished_onboarding_reads_back_with_no_worker_left(
    http: httpx.AsyncClient,
    web: WebApp,
    client: Client,
    starter: OnboardingStarter,
    own_worker: OwnWorker,
) -> None:
    """A finished onboarding is read from its history, even once no worker serves its queue."""
    async with own_worker():
        handle = await start_until_lead(client, starter, make_request("en"))
        await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified())
        await handle.result()
    response = await http.get(f"/api/onboarding-requests/{handle.id}", headers=web.staff())
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["closed"]) == ("rejected", True)
    assert [h["event"] for h in body["history"]] == ["requested", "lead_disqualified", "rejected"]
