"""Sales in Dynamics 365 (SALES_BACKEND=dataverse), against the contract fake of the
Dataverse Web API: the whole story, its faults and the staff side."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from google.protobuf import json_format
from pydantic import SecretStr, ValidationError
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import ResetReapplyType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from devstack import check
from devstack.check import Dataverse
from plumbing.settings import Settings
from plumbing.stores import open_stores
from sales.dataverse.lead_columns import record_guid
from starter.app import create_app
from tests import dataverse_payloads as dv
from tests.account_helpers import csrf_in, signed_in_staff
from tests.api_helpers import request_body
from tests.conftest import WebApp, serving
from tests.dataverse_fake import DataverseFake, serve
from workers.worker import running_worker

CLIENT_SECRET = f"dv-secret-{uuid.uuid4().hex}"
WEBHOOK = "/api/webhooks/sales"
WEBHOOK_SECRET = "webhook-secret-for-tests"


@dataclass(frozen=True)
class Dynamics:
    fake: DataverseFake
    web: WebApp

    @property
    def webhook(self) -> str:
        return self.web.url + WEBHOOK


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dynamics(settings: Settings, client: Client) -> AsyncIterator[Dynamics]:
    """The worker and the web app with Sales in (the fake of) Dynamics 365."""
    async with serve(DataverseFake(client_secret=CLIENT_SECRET)) as fake:
        dv_settings = settings.model_copy(
            update={
                "sales_backend": "dataverse",
                "dataverse_url": fake.url,
                "dataverse_token_url": fake.token_url,
                "dataverse_tenant_id": "tenant-id",
                "dataverse_client_id": "client-id",
                "dataverse_client_secret": SecretStr(CLIENT_SECRET),
                "onboarding_task_queue": f"dv-{uuid.uuid4().hex[:8]}",
            }
        )
        token = f"staff-{uuid.uuid4().hex}"
        queue = dv_settings.onboarding_task_queue
        async with (
            open_stores(dv_settings) as stores,
            running_worker(client, queue, stores, dv_settings),
            serving(create_app(dv_settings, token)) as url,
        ):
            yield Dynamics(fake, WebApp(url=url, staff_token=token, settings=dv_settings))


@pytest_asyncio.fixture(loop_scope="session")
async def http(dynamics: Dynamics) -> AsyncIterator[httpx.AsyncClient]:
    dynamics.fake.outage(False)
    dynamics.fake.reject_client(False)
    async with httpx.AsyncClient(base_url=dynamics.web.url, timeout=30) as session:
        yield session


async def until(check: Callable[[], Any], within: float = 60) -> Any:
    """The first truthy answer of `check` (the workflow works asynchronously)."""
    async with asyncio.timeout(within):
        while True:
            if found := check():
                return found
            await asyncio.sleep(0.05)


async def submit(http: httpx.AsyncClient) -> tuple[str, dict[str, Any], str]:
    """A request through the API: its reference, its body and its lead's GUID."""
    body = request_body()
    response = await http.post("/api/onboarding-requests", json=body)
    assert response.status_code == 202, response.text
    reference = response.json()["reference"]
    return reference, body, str(record_guid(reference, "lead"))


async def onboarding(http: httpx.AsyncClient, d: Dynamics, reference: str) -> dict[str, Any]:
    response = await http.get(f"/api/onboarding-requests/{reference}", headers=d.web.staff())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def reaches(
    http: httpx.AsyncClient, d: Dynamics, reference: str, status: str
) -> dict[str, Any]:
    async with asyncio.timeout(60):
        while True:
            found = await onboarding(http, d, reference)
            if found["status"] == status:
                return found
            await asyncio.sleep(0.1)


def notes_of(fake: DataverseFake, lead: str) -> list[dict[str, Any]]:
    return [n for n in fake.annotations.values() if n["_objectid_value"] == lead]


async def test_story_from_request_to_approved_partner(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """Request, lead and note in Dynamics 365, QualifyLead then Win, each delivered twice, and
    a 429 storm at the start: one lead, one note, an approved partner with the Dataverse ids."""
    fake = dynamics.fake
    fake.answer_next(429, count=4, retry_after=1)
    reference, _, lead = await submit(http)
    await until(lambda: lead in fake.leads and notes_of(fake, lead))
    opportunity, qualified = fake.qualify(lead)
    for _ in range(2):
        assert await fake.deliver(dynamics.webhook, WEBHOOK_SECRET, qualified) == [200]
    await reaches(http, dynamics, reference, "qualified")
    won = fake.win(opportunity)
    assert await fake.deliver(dynamics.webhook, WEBHOOK_SECRET, won) == [200]
    assert await fake.deliver(dynamics.webhook, WEBHOOK_SECRET, won) == [200]
    approved = await reaches(http, dynamics, reference, "approved")
    assert approved["customer_hierarchy_id"]
    records = {r["entity"]: r for r in approved["sales_records"]}
    expected_ids = {
        "lead": lead,
        "opportunity": opportunity,
        "account": fake.opportunities[opportunity]["_parentaccountid_value"],
        "contact": fake.opportunities[opportunity]["_parentcontactid_value"],
    }
    assert {entity: r["id"] for entity, r in records.items()} == expected_ids
    assert records["lead"]["url"] == (
        f"{fake.url}/main.aspx?etn=lead&id={lead}&pagetype=entityrecord"
    )
    leads_of_reference = [k for k, v in fake.leads.items() if reference in v["subject"]]
    assert leads_of_reference == [lead]
    assert len(notes_of(fake, lead)) == 1
    assert fake.opportunities[opportunity]["statecode"] == 1


async def test_lead_has_the_documented_columns(http: httpx.AsyncClient, dynamics: Dynamics) -> None:
    """The lead carries the contact, the company, the comments and source Web (8)."""
    reference, body, lead = await submit(http)
    row = await until(lambda: dynamics.fake.leads.get(lead))
    contact, company = body["contact"], body["company"]
    assert (row["firstname"], row["lastname"], row["emailaddress1"]) == (
        contact["first_name"], contact["last_name"], contact["email"],
    )  # fmt: skip
    assert (row["companyname"], row["websiteurl"]) == (company["name"], company["website"])
    assert row["address1_city"] == company["address"]["city"]
    assert (row["description"], row["leadsourcecode"]) == (body["comments"], 8)
    [note] = await until(lambda: notes_of(dynamics.fake, lead))
    assert reference in note["notetext"]


async def test_outage_during_creation_loses_nothing(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """While Dynamics 365 answers 503 the onboarding retries; afterwards its lead exists once."""
    fake = dynamics.fake
    fake.outage(True)
    answered = len(fake.requests)
    _, _, lead = await submit(http)
    await until(lambda: sum(1 for r in fake.requests[answered:] if r[2] == 503) >= 2)
    assert lead not in fake.leads
    fake.outage(False)
    await until(lambda: lead in fake.leads and notes_of(fake, lead))
    assert len(notes_of(fake, lead)) == 1


async def test_a_renewed_token_follows_a_401(http: httpx.AsyncClient, dynamics: Dynamics) -> None:
    """When Dataverse stops taking the cached token, one new token is fetched and used."""
    fake = dynamics.fake
    fake.expire_tokens()
    before = fake.tokens_issued
    _, _, lead = await submit(http)
    await until(lambda: lead in fake.leads)
    assert fake.tokens_issued == before + 1


async def reset_to_first_task(client: Client, reference: str) -> None:
    """What docs/dynamics365.md tells an operator: reset the run to its first workflow task."""
    handle = client.get_workflow_handle(reference)
    history = await handle.fetch_history()
    first = next(e.event_id for e in history.events if e.HasField(
        "workflow_task_completed_event_attributes"))  # fmt: skip
    run_id = (await handle.describe()).run_id
    await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=reference, run_id=run_id),
            reason="Dataverse credentials fixed",
            workflow_task_finish_event_id=first,
            request_id=str(uuid.uuid4()),
            reset_reapply_type=ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL,
        )
    )


async def test_refused_sign_in_fails_clearly_and_recovers_after_a_reset(
    http: httpx.AsyncClient, dynamics: Dynamics, client: Client
) -> None:
    """invalid_client fails the onboarding at once with the identity platform's error and no
    secret; once fixed, a reset to the first workflow task creates the lead."""
    fake = dynamics.fake
    fake.expire_tokens()
    fake.reject_client(True)
    reference, _, lead = await submit(http)
    with pytest.raises(WorkflowFailureError) as failed:
        await client.get_workflow_handle(reference).result()
    chain: list[BaseException] = []
    cause: BaseException | None = failed.value
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__ or getattr(cause, "cause", None)
    refusal = [e for e in chain if isinstance(e, ApplicationError) and "SalesRefused" in str(e)]
    assert refusal, chain
    assert "invalid_client" in str(refusal[0])
    history = await client.get_workflow_handle(reference).fetch_history()
    decoded = json.dumps([json_format.MessageToDict(e) for e in history.events])
    assert CLIENT_SECRET not in decoded
    assert lead not in fake.leads
    fake.reject_client(False)
    await reset_to_first_task(client, reference)
    await until(lambda: lead in fake.leads and notes_of(fake, lead))
    assert (await onboarding(http, dynamics, reference))["status"] == "pending"


async def test_disqualifying_in_dynamics_rejects_the_request(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """An Update that disqualifies the lead rejects the onboarding; the lead stays as set."""
    fake = dynamics.fake
    reference, _, lead = await submit(http)
    await until(lambda: lead in fake.leads)
    update = fake.disqualify(lead, statuscode=5)
    assert await fake.deliver(dynamics.webhook, WEBHOOK_SECRET, update) == [200]
    await reaches(http, dynamics, reference, "rejected")
    assert (fake.leads[lead]["statecode"], fake.leads[lead]["statuscode"]) == (2, 5)


async def test_a_win_for_an_unknown_opportunity_is_ignored(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """A Win on an opportunity Dataverse does not know answers 200 ignored."""
    response = await http.post(
        WEBHOOK, json=dv.close_opportunity("Win", str(uuid.uuid4()), 3),
        headers={"X-Webhook-Secret": WEBHOOK_SECRET},
    )  # fmt: skip
    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")


async def test_staff_sales_api_steps_aside(http: httpx.AsyncClient, dynamics: Dynamics) -> None:
    """With Dynamics 365 the staff Sales API answers 409: decisions are made there."""
    response = await http.get("/api/sales/leads", headers=dynamics.web.staff())
    assert response.status_code == 409
    assert "Dynamics 365" in response.json()["detail"]


async def test_erasing_deletes_the_lead_in_dynamics(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """Erasure deletes the lead and its note in Dynamics 365 too."""
    fake = dynamics.fake
    reference, _, lead = await submit(http)
    await until(lambda: lead in fake.leads and notes_of(fake, lead))
    erased = await http.delete(
        f"/api/onboarding-requests/{reference}", headers=dynamics.web.staff()
    )
    assert erased.status_code == 204
    assert lead not in fake.leads
    assert notes_of(fake, lead) == []


async def test_integration_check_finds_the_lead_in_dynamics(
    dynamics: Dynamics, capsys: pytest.CaptureFixture[str]
) -> None:
    """The installer's check reads the new lead from Dataverse by its GUID, then erases it."""
    fake = dynamics.fake
    dataverse = Dataverse(fake.url, fake.token_url, "client-id", CLIENT_SECRET)
    assert await check.run(dynamics.web.url, dynamics.web.staff_token, dataverse)
    out = capsys.readouterr().out
    found = re.search(r"PASS  it appears as a lead in Sales: lead ([0-9a-f-]{36}) in Dynamics", out)
    assert found, out
    assert found[1] not in fake.leads


async def test_nothing_personal_or_secret_is_logged(
    http: httpx.AsyncClient, dynamics: Dynamics, caplog: pytest.LogCaptureFixture
) -> None:
    """Creating a lead, through a renewed token, logs no name, email, company or secret."""
    caplog.set_level(logging.DEBUG)
    dynamics.fake.expire_tokens()
    _, body, lead = await submit(http)
    await until(lambda: lead in dynamics.fake.leads and notes_of(dynamics.fake, lead))
    # The test's own SMTP sink logs its recipients; the lines of our processes are the ones
    # that count.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "dataverse PATCH leads: 204" in ours
    contact = body["contact"]
    for private in (contact["email"], contact["last_name"], body["company"]["name"], CLIENT_SECRET):
        assert private not in ours


async def test_a_webhook_while_dynamics_is_down_is_retried(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """Mapping a Win needs Dataverse: while it is down the delivery gets 503, which Dataverse
    retries once, and nothing is recorded, so a later delivery still counts."""
    fake = dynamics.fake
    win = dv.close_opportunity("Win", str(uuid.uuid4()), 3)
    fake.outage(True)
    assert await fake.deliver(dynamics.webhook, WEBHOOK_SECRET, win) == [503, 503]
    fake.outage(False)
    again = await http.post(WEBHOOK, json=win, headers={"X-Webhook-Secret": WEBHOOK_SECRET})
    assert again.json()["outcome"] == "ignored"


async def test_sales_console_points_to_dynamics(
    http: httpx.AsyncClient, dynamics: Dynamics
) -> None:
    """A signed-in salesperson opening the console is sent to Dynamics 365; a decision
    posted to it is refused."""
    stores_web = dynamics.web
    async with open_stores(stores_web.settings) as stores:
        await signed_in_staff(http, stores, stores_web)
    page = await http.get("/sales/leads")
    assert page.status_code == 200
    assert "Sales runs in Dynamics 365" in page.text
    assert f"{dynamics.fake.url}/main.aspx?etn=lead" in page.text
    token = csrf_in(page.text)
    refused = await http.post(
        f"/sales/leads/LEAD-{uuid.uuid4().hex[:8]}/qualify", data={"csrf_token": token}
    )
    assert refused.status_code == 409


def test_dataverse_backend_names_the_missing_variables() -> None:
    """SALES_BACKEND=dataverse without its credentials fails at start, naming them."""
    with pytest.raises(ValidationError) as refused:
        Settings(
            onboarding_environment="dev",
            sales_backend="dataverse",
            dataverse_url="https://contoso.crm.dynamics.com",
        )
    message = str(refused.value)
    assert "DATAVERSE_CLIENT_ID" in message
    assert "DATAVERSE_CLIENT_SECRET" in message
    assert "DATAVERSE_TENANT_ID" in message


def test_the_client_secret_stays_out_of_reprs() -> None:
    """The settings and the adapter's configuration print no client secret."""
    settings = Settings(
        onboarding_environment="dev",
        sales_backend="dataverse", dataverse_url="https://contoso.crm.dynamics.com",
        dataverse_tenant_id="t", dataverse_client_id="c",
        dataverse_client_secret=SecretStr(CLIENT_SECRET),
    )  # fmt: skip
    config = settings.dataverse_config()
    assert config is not None
    assert config.token_url == "https://login.microsoftonline.com/t/oauth2/v2.0/token"
    assert CLIENT_SECRET not in repr(settings) + repr(config) + str(config)
