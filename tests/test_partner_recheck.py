"""The monthly re-check of approved partners, run directly on the test stack (not by waiting
a month) against the registries' contract fakes: a closed company flagged, the Sales inbox
told once, a flagged organization's purchases frozen when the setting says so, and a registry
outage changing nothing."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from stdnum.jp import cn
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from activities.partner_recheck import RecheckInput
from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, link_in, set_password, wait_for_email
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp
from tests.registry_fakes import APPLICATION_ID, RegistryFakes, serve_registry_fakes
from tests.test_partner_recheck_flags import frozen as frozen
from tests.test_purchases import PATH, STOREFRONT, order
from workers.worker import build_activities, running_worker
from workflows.partner_recheck import (
    PartnerRecheckInput,
    PartnerRecheckWorkflow,
    RecheckRetry,
    RecheckTally,
)

SALES_INBOX = "sales@shop.example"
# Retries of a registry that is down, shortened from seconds-to-hours to fit a test.
QUICK = RecheckRetry(
    every=timedelta(milliseconds=200),
    at_most_every=timedelta(milliseconds=500),
    give_up_after=timedelta(seconds=3),
)


def corporate_number() -> str:
    """A corporate number nobody else uses, its check digit right."""
    body = f"{random.randrange(10**11, 10**12)}"
    return f"{cn.calc_check_digit(body)}{body}"


@pytest_asyncio.fixture(loop_scope="session")
async def fakes() -> AsyncIterator[RegistryFakes]:
    async with serve_registry_fakes() as served:
        yield served


def pointed_at_fakes(fakes: RegistryFakes) -> dict[str, Any]:
    """The settings that send the registry calls to the fakes."""
    return {
        "onboarding_nta_corporate_api_url": fakes.settings.nta_corporate_url,
        "onboarding_nta_invoice_api_url": fakes.settings.nta_invoice_url,
        "onboarding_vies_api_url": fakes.settings.vies_url,
        "onboarding_nta_application_id": SecretStr(APPLICATION_ID),
    }


@pytest_asyncio.fixture(loop_scope="session")
async def recheck_worker(
    client: Client, stores: Stores, settings: Settings, task_queue: str, fakes: RegistryFakes
) -> AsyncIterator[Worker]:
    """A worker whose registries are the fakes."""
    pointed = settings.model_copy(update=pointed_at_fakes(fakes))
    async with running_worker(client, task_queue, stores, pointed) as running:
        yield running


async def approved_with(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, **identifiers: str
) -> dict[str, Any]:
    """A request giving the company's identifiers, won through the API, its admin active:
    the onboarding's reference, the hierarchy and the admin's site user id."""
    body = request_body()
    body["company"].update(identifiers)
    submitted = await http.post("/api/onboarding-requests", json=body)
    assert submitted.status_code == 202, submitted.text
    reference = submitted.json()["reference"]
    path = f"/api/onboarding-requests/{reference}"
    lead_id = (await poll(http, web, path, "lead_id"))["lead_id"]
    qualify = f"/api/sales/leads/{lead_id}/qualify"
    qualified = await http.post(qualify, headers=web.staff())
    if qualified.status_code == 409:  # the registry does not know the company yet: confirmed
        verdict = (await http.get(path, headers=web.staff())).json()["verification"]["status"]
        confirmed = {"confirm_verification": verdict}
        qualified = await http.post(qualify, json=confirmed, headers=web.staff())
    assert qualified.status_code == 202, qualified.text
    opportunity_id = (await poll(http, web, path, "opportunity_id"))["opportunity_id"]
    await http.post(
        f"/api/sales/opportunities/{opportunity_id}/close",
        json={"outcome": "won"},
        headers=web.staff(),
    )
    hierarchy_id = (await poll(http, web, path, "customer_hierarchy_id"))["customer_hierarchy_id"]
    email = body["contact"]["email"]
    [approval] = await wait_for_email(smtp, email, "approved")
    assert (await set_password(http, link_in(approval), STRONG_PASSWORD)).status_code == 303
    site_user_id = await stores.commerce.fetchval(
        "SELECT id FROM site_users WHERE hierarchy_id = $1", hierarchy_id
    )
    return {"reference": reference, "hierarchy_id": hierarchy_id, "site_user_id": site_user_id}


async def recheck(
    client: Client, worker: Worker, retry: RecheckRetry | None = None, page_size: int = 25
) -> RecheckTally:
    """One run of the re-check, as the schedule starts it each month."""
    tally: RecheckTally = await client.execute_workflow(
        PartnerRecheckWorkflow.run,
        PartnerRecheckInput(page_size=page_size, retry=retry or RecheckRetry()),
        id=f"partner-recheck-test-{uuid.uuid4().hex[:10]}",
        task_queue=worker.task_queue,
    )
    return tally


async def flags_of(stores: Stores, hierarchy_id: str) -> list[dict[str, Any]]:
    return await stores.commerce_store().partner_flags.flags(hierarchy_id)


def flag_emails(smtp: SmtpSink, reference: str) -> list[EmailMessage]:
    """The Sales inbox's emails about the partner's flags."""
    return [
        m
        for m in smtp.messages_to(SALES_INBOX)
        if str(m["Message-ID"]).startswith(f"<{reference}.partner_flagged.")
    ]


async def flag_emails_arrived(smtp: SmtpSink, reference: str) -> None:
    async with asyncio.timeout(30):
        while not flag_emails(smtp, reference):  # noqa: ASYNC110 - the sink offers no event
            await asyncio.sleep(0.05)


async def closed_partner(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores, fakes: RegistryFakes
) -> tuple[dict[str, Any], str]:
    """An approved partner whose corporation the registry now says is merged away."""
    number = corporate_number()
    partner = await approved_with(http, web, smtp, stores, corporate_number=number)
    fakes.add_company(
        number, "Contoso Ltd", closed_on=date(2026, 11, 30), close_cause="11", invoice=False
    )
    return partner, number


async def test_a_closed_company_is_flagged_and_sales_told_once(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores,
    client: Client, recheck_worker: Worker, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """The first run flags it and emails the Sales inbox; the next run finds the same and
    sends nothing, raises nothing more."""
    partner, number = await closed_partner(http, web, smtp, stores, fakes)
    first = await recheck(client, recheck_worker, page_size=2)
    await flag_emails_arrived(smtp, partner["reference"])
    second = await recheck(client, recheck_worker, page_size=2)
    [flag] = await flags_of(stores, partner["hierarchy_id"])
    assert (flag["registry"], flag["number"], flag["status"]) == ("nta_corporate", number, "closed")
    assert flag["details"]["closed_on"] == "2026-11-30"
    assert flag["cleared_at"] is None
    [email] = flag_emails(smtp, partner["reference"])
    assert number in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert first.flagged >= 1
    assert second.flagged >= 1
    assert first.partners >= 1


async def test_with_the_freeze_on_the_flagged_partner_is_declined(
    http: httpx.AsyncClient, frozen: httpx.AsyncClient, web: WebApp, smtp: SmtpSink,
    stores: Stores, client: Client, recheck_worker: Worker, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """After the re-check flagged it, its orders are declined as organization_unverified."""
    partner, _ = await closed_partner(http, web, smtp, stores, fakes)
    before = await frozen.post(PATH, json=order(partner), headers=STOREFRONT)
    await recheck(client, recheck_worker)
    after = await frozen.post(PATH, json=order(partner), headers=STOREFRONT)
    assert before.json()["status"] == "approved"
    assert (after.json()["status"], after.json()["reason"]) == (
        "declined",
        "organization_unverified",
    )


async def test_with_the_freeze_off_the_flagged_partner_is_authorized(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores,
    client: Client, recheck_worker: Worker, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """The flag is raised, and orders pass as before: the freeze is off by default."""
    partner, _ = await closed_partner(http, web, smtp, stores, fakes)
    await recheck(client, recheck_worker)
    answer = await http.post(PATH, json=order(partner), headers=STOREFRONT)
    assert len(await flags_of(stores, partner["hierarchy_id"])) == 1
    assert answer.json()["status"] == "approved"


async def test_a_registry_outage_changes_nothing(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores,
    client: Client, recheck_worker: Worker, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """The check is retried, then given up for the run: no flag, no email, no failure."""
    partner, _ = await closed_partner(http, web, smtp, stores, fakes)
    fakes.outage(True)
    tally = await recheck(client, recheck_worker, QUICK)
    # The lane's first partner is asked again and again; then the registry is left.
    assert tally.unanswered >= 1
    assert len(fakes.calls_to("nta_corporate")) >= 2
    assert await flags_of(stores, partner["hierarchy_id"]) == []
    assert flag_emails(smtp, partner["reference"]) == []


async def test_a_registry_back_within_the_retries_gives_its_answer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores,
    client: Client, recheck_worker: Worker, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """An outage shorter than the retries' patience delays the flag, and loses nothing."""
    partner, _ = await closed_partner(http, web, smtp, stores, fakes)
    fakes.outage(True)
    patient = QUICK.model_copy(update={"give_up_after": timedelta(minutes=2)})
    run = asyncio.ensure_future(recheck(client, recheck_worker, patient))
    # Answered 503 twice: the run is retrying.
    async with asyncio.timeout(30):
        while len(fakes.calls_to("nta_corporate")) < 2:  # noqa: ASYNC110 - the fake keeps a log
            await asyncio.sleep(0.05)
    fakes.outage(False)
    await run
    assert [f["status"] for f in await flags_of(stores, partner["hierarchy_id"])] == ["closed"]


async def test_a_cancelled_invoice_registration_is_flagged_but_a_spelling_is_not(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores,
    client: Client, recheck_worker: Worker, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """The invoice registry's cancellation flags; the corporation, open under another
    spelling of the name, does not."""
    number = corporate_number()
    partner = await approved_with(
        http, web, smtp, stores, corporate_number=number, invoice_registration_number=f"T{number}"
    )
    fakes.add_company(number, "株式会社ファブリカム", cancelled_on=date(2026, 10, 31))
    await recheck(client, recheck_worker)
    [flag] = await flags_of(stores, partner["hierarchy_id"])
    assert (flag["registry"], flag["status"]) == ("nta_invoice", "registration_cancelled")


async def test_checks_are_counted_by_registry_and_outcome(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores,
    settings: Settings, fakes: RegistryFakes,
) -> None:  # fmt: skip
    """Each re-check adds one to the registry checks counter: pending while the registry is
    down (the attempt fails, to be retried), then its answer."""
    partner, _ = await closed_partner(http, web, smtp, stores, fakes)
    buffer = MetricBuffer(1000)
    environment = ActivityEnvironment()
    environment.metric_meter = Runtime(telemetry=TelemetryConfig(metrics=buffer)).metric_meter
    pointed = settings.model_copy(update=pointed_at_fakes(fakes))
    async with build_activities(stores, pointed) as activities:
        ask = RecheckInput(hierarchy_id=partner["hierarchy_id"], registry="nta_corporate")
        fakes.outage(True)
        with pytest.raises(ApplicationError):
            await environment.run(activities.recheck.recheck_partner, ask)
        fakes.outage(False)
        answer = await environment.run(activities.recheck.recheck_partner, ask)
    counted = [
        (update.value, {key: update.attributes[key] for key in ("registry", "outcome", "reason")})
        for update in buffer.retrieve_updates()
        if update.metric.name == "onboarding_registry_checks"
    ]
    assert answer.status == "closed"
    assert counted == [
        (1, {"registry": "nta_corporate", "outcome": "pending", "reason": "unavailable"}),
        (1, {"registry": "nta_corporate", "outcome": "closed", "reason": ""}),
    ]
