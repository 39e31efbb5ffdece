"""With Sales in Dynamics 365 (SALES_BACKEND=dataverse), the verification's verdict is one
note on the lead, however often the activity is retried around it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.client import Client

from plumbing.settings import Settings
from plumbing.stores import Stores, open_stores
from sales.dataverse.lead_columns import record_guid
from starter.app import create_app
from tests.conftest import WebApp, serving
from tests.dataverse_fake import DataverseFake, serve
from tests.registry_fakes import RegistryFakes
from tests.verification_helpers import attempted, seeded, submitted, verified_as
from workers.worker import running_worker

CLIENT_SECRET = f"dv-secret-{uuid.uuid4().hex}"
pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dynamics(
    settings: Settings, client: Client
) -> AsyncIterator[tuple[DataverseFake, WebApp, Stores]]:
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
                "onboarding_task_queue": f"dv-verify-{uuid.uuid4().hex[:8]}",
            }
        )
        token = f"staff-{uuid.uuid4().hex}"
        queue = dv_settings.onboarding_task_queue
        async with (
            open_stores(dv_settings) as stores,
            running_worker(client, queue, stores, dv_settings),
            serving(create_app(dv_settings, token)) as url,
        ):
            yield fake, WebApp(url=url, staff_token=token, settings=dv_settings), stores


def verification_notes(fake: DataverseFake, lead: str) -> list[dict[str, Any]]:
    return [
        note
        for note in fake.annotations.values()
        if note["_objectid_value"] == lead and note["subject"].startswith("Company verification")
    ]


async def test_the_verdict_is_noted_once_through_retries(
    dynamics: tuple[DataverseFake, WebApp, Stores], registry_fakes: RegistryFakes
) -> None:
    """A throttled registry, then Dataverse failing the note: one note, one check, and the
    registry not asked again while the note is retried."""
    fake, web, stores = dynamics
    identifiers = seeded(registry_fakes, "verified")
    number = identifiers["corporate_number"]
    registry_fakes.fault("throttle", "nta_corporate")
    try:
        async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
            reference = await submitted(http, web, **identifiers)
            await attempted(stores, reference)
            lead = str(record_guid(reference, "lead"))
            # The run's next call to Dataverse is the note: it fails once.
            fake.answer_next(503)
            registry_fakes.fault(None, "nta_corporate")
            body = await verified_as(http, web, reference)
            async with asyncio.timeout(90):
                while True:
                    if verification_notes(fake, lead):
                        break
                    await asyncio.sleep(0.1)
    finally:
        registry_fakes.fault(None, "nta_corporate")
    assert body["verification"]["status"] == "verified"
    [note] = verification_notes(fake, lead)
    assert note["subject"] == "Company verification: verified"
    failed = [r for r in fake.requests if r[0] == "POST" and r[1].endswith("annotations")]
    assert [status for *_, status in failed][-2:] == [503, 204]
    asked = [c for c in registry_fakes.calls_to("nta_corporate") if c.query["number"] == number]
    assert len(asked) == 2
    assert len(await stores.commerce_store().company_checks.checks(reference)) == 1


async def test_a_confirmation_through_the_api_does_not_qualify_in_dynamics(
    dynamics: tuple[DataverseFake, WebApp, Stores], registry_fakes: RegistryFakes
) -> None:
    """Salespeople qualify in Dynamics 365: the staff API's qualify answers 409 even with the
    verdict confirmed, and neither a confirmation note nor a decision follows."""
    fake, web, _ = dynamics
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        reference = await submitted(http, web, **seeded(registry_fakes, "mismatch"))
        body = await verified_as(http, web, reference)
        lead = str(record_guid(reference, "lead"))
        refused = await http.post(
            f"/api/sales/leads/{lead}/qualify",
            json={"confirm_verification": "mismatch"},
            headers=web.staff(),
        )
        after = await http.get(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert body["verification"]["status"] == "mismatch"
    assert refused.status_code == 409
    assert "Dynamics 365" in refused.json()["detail"]
    notes = [n for n in fake.annotations.values() if n["_objectid_value"] == lead]
    assert [n["subject"] for n in notes if "seen" in n["subject"]] == []
    assert after.json()["status"] == "pending"
