"""The verification activity against the registry fakes and real PostgreSQL: each number
checked once, kept once, a silent registry retried, and the lead's note written once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from temporalio.exceptions import ApplicationError
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig
from temporalio.testing import ActivityEnvironment

from activities.verification import (
    NOTE_KEY,
    REGISTRY_UNAVAILABLE,
    VerificationActivities,
    VerifyCompanyInput,
)
from domain.request import OnboardingRequest
from plumbing.stores import Stores
from registries.models import RegistrySettings
from sales.builtin import BuiltinSales
from tests.factories import unique_reference
from tests.registry_fakes import RegistryFakes
from tests.verification_helpers import (
    REGISTERED_NAME,
    corporate_number,
    request_with,
    vat_number,
)


@dataclass(frozen=True)
class Verifying:
    stores: Stores
    fakes: RegistryFakes
    activities: VerificationActivities

    async def submitted(self, request: OnboardingRequest) -> VerifyCompanyInput:
        """The request recorded as a prospect with its lead, as the run's first step does."""
        reference, lead_id = unique_reference(), f"LEAD-{uuid.uuid4().hex[:20]}"
        prospect_id = f"PRO-{uuid.uuid4().hex[:20]}"
        commerce = self.stores.commerce_store()
        await commerce.prospects.record(prospect_id, reference, request, datetime.now(UTC))
        await BuiltinSales(self.stores.sales).create_lead(lead_id, prospect_id, reference, request)
        return VerifyCompanyInput(reference=reference, lead_id=lead_id)

    async def verify(self, data: VerifyCompanyInput) -> str:
        return await ActivityEnvironment().run(self.activities.verify_company, data)

    async def notes(self, lead_id: str) -> list[str]:
        rows = await self.stores.sales.fetch(
            "SELECT body FROM timeline_notes WHERE record_id = $1 AND note_key = $2",
            lead_id,
            NOTE_KEY,
        )
        return [row["body"] for row in rows]


async def verifying_with(
    stores: Stores, fakes: RegistryFakes, settings: RegistrySettings
) -> AsyncIterator[Verifying]:
    commerce = stores.commerce_store()
    activities = VerificationActivities(
        commerce.company_checks, BuiltinSales(stores.sales), httpx.AsyncClient(), settings
    )
    try:
        yield Verifying(stores, fakes, activities)
    finally:
        await activities.close()


@pytest_asyncio.fixture(loop_scope="session")
async def v(stores: Stores, registry_fakes: RegistryFakes) -> AsyncIterator[Verifying]:
    async for verifying in verifying_with(stores, registry_fakes, registry_fakes.settings):
        yield verifying


@pytest.fixture
def number(registry_fakes: RegistryFakes) -> str:
    number = corporate_number()
    registry_fakes.add_company(number, REGISTERED_NAME)
    return number


async def test_a_verified_number_is_asked_once(v: Verifying, number: str) -> None:
    """A repeated verification asks the registry nothing more and notes the lead once."""
    data = await v.submitted(request_with(corporate_number=number))
    assert await v.verify(data) == "verified"
    assert await v.verify(data) == "verified"
    asked = [c for c in v.fakes.calls_to("nta_corporate") if c.query.get("number") == number]
    assert len(asked) == 1
    [note] = await v.notes(data.lead_id)
    assert note.startswith("Company verification: verified.")
    assert REGISTERED_NAME in note


async def test_a_silent_registry_leaves_it_pending_and_retried(v: Verifying, number: str) -> None:
    """An outage fails the attempt as retryable with the check pending; the next attempt,
    once the registry answers, keeps one check."""
    data = await v.submitted(request_with(corporate_number=number))
    v.fakes.outage(True)
    try:
        with pytest.raises(ApplicationError) as failed:
            await v.verify(data)
    finally:
        v.fakes.outage(False)
    assert failed.value.type == REGISTRY_UNAVAILABLE
    assert not failed.value.non_retryable
    checks = v.stores.commerce_store().company_checks
    evidence = await checks.evidence(data.reference)
    assert evidence is not None
    assert evidence.checks == []
    assert evidence.progress is not None
    assert evidence.progress.reason == "nta_corporate: unavailable"
    assert await v.notes(data.lead_id) == []
    assert await v.verify(data) == "verified"
    assert [c.status for c in await checks.checks(data.reference)] == ["verified"]


async def test_only_the_silent_registry_is_asked_again(
    v: Verifying, number: str, registry_fakes: RegistryFakes
) -> None:
    """Of two numbers, the retry asks only the registry that did not answer."""
    vat = "DE123456788"
    registry_fakes.add_vat(vat)
    data = await v.submitted(request_with(corporate_number=number, vat_number=vat))
    registry_fakes.fault("throttle", "vies")
    try:
        with pytest.raises(ApplicationError):
            await v.verify(data)
    finally:
        registry_fakes.fault(None, "vies")
    assert await v.verify(data) == "verified"
    asked = [c for c in v.fakes.calls_to("nta_corporate") if c.query.get("number") == number]
    assert len(asked) == 1


async def test_no_application_id_is_pending(
    stores: Stores, registry_fakes: RegistryFakes, number: str
) -> None:
    """Without the NTA's application id the check stays pending, its reason recorded."""
    settings = registry_fakes.settings.model_copy(update={"nta_application_id": None})
    async for v in verifying_with(stores, registry_fakes, settings):
        data = await v.submitted(request_with(corporate_number=number))
        with pytest.raises(ApplicationError):
            await v.verify(data)
        evidence = await stores.commerce_store().company_checks.evidence(data.reference)
        assert evidence is not None
        assert evidence.progress is not None
        assert evidence.progress.reason == "nta_corporate: no_application_id"


async def test_no_identifier_asks_no_registry(v: Verifying) -> None:
    """A company without identifiers is `not_given`, with no call and no note."""
    before = len(v.fakes.calls)
    data = await v.submitted(request_with())
    assert await v.verify(data) == "not_given"
    assert len(v.fakes.calls) == before
    assert await v.notes(data.lead_id) == []


async def test_results_are_counted_by_registry_and_outcome(
    v: Verifying, number: str, registry_fakes: RegistryFakes
) -> None:
    """Each check adds one to the counter, labelled with its registry and outcome."""
    buffer = MetricBuffer(1000)
    environment = ActivityEnvironment()
    environment.metric_meter = Runtime(telemetry=TelemetryConfig(metrics=buffer)).metric_meter
    data = await v.submitted(request_with(corporate_number=number, vat_number=vat_number()))
    registry_fakes.fault("throttle", "vies")
    try:
        with pytest.raises(ApplicationError):
            await environment.run(v.activities.verify_company, data)
    finally:
        registry_fakes.fault(None, "vies")
    await environment.run(v.activities.verify_company, data)
    counted = [
        (update.value, {key: update.attributes[key] for key in ("registry", "outcome", "reason")})
        for update in buffer.retrieve_updates()
        if update.metric.name == "onboarding_registry_checks"
    ]
    assert counted == [
        (1, {"registry": "nta_corporate", "outcome": "verified", "reason": ""}),
        (1, {"registry": "vies", "outcome": "pending", "reason": "throttled"}),
        (1, {"registry": "vies", "outcome": "not_found", "reason": ""}),
    ]
