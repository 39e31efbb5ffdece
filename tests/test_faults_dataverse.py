"""Fault suite, Dynamics 365 side: Dataverse answers 503 for 20 s while 50 onboardings start.

Real processes (the worker and the web app with SALES_BACKEND=dataverse, the Temporal dev
server, PostgreSQL, an SMTP sink) against the contract fake of the Dataverse Web API. Every
onboarding must end up with its lead and its note in Dynamics 365, each exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from devstack.ports import free_port
from sales.dataverse.lead_columns import record_guid
from tests.api_helpers import request_body
from tests.dataverse_fake import DataverseFake, serve
from tests.fault_stack import app_env, app_processes, embedded_servers, process_log

ONBOARDINGS = 50
OUTAGE_SECONDS = 20
pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]


@dataclass
class DataverseStack:
    fake: DataverseFake
    url: str


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[DataverseStack]:
    http_port = free_port()
    async with (
        embedded_servers(tmp_path) as (postgres, temporal, smtp),
        serve(DataverseFake(client_secret="fault-secret")) as fake,
    ):
        env = {
            **app_env(postgres, temporal, smtp, http_port),
            "SALES_BACKEND": "dataverse",
            "DATAVERSE_URL": fake.url,
            "DATAVERSE_TOKEN_URL": fake.token_url,
            "DATAVERSE_CLIENT_ID": "client-id",
            "DATAVERSE_CLIENT_SECRET": "fault-secret",
        }
        with process_log().open("wb") as log:
            async with app_processes(env, log):
                yield DataverseStack(fake, f"http://127.0.0.1:{http_port}")


async def submit(http: httpx.AsyncClient, index: int, run: str) -> str:
    """POST a request until the web app is up and takes it; its reference."""
    await asyncio.sleep(index * 0.1)
    email = f"dv-fault-{run}-{index}@example.com"
    while True:
        try:
            response = await http.post(
                "/api/onboarding-requests", json=request_body(email=email),
                headers={"Idempotency-Key": email},
            )  # fmt: skip
        except httpx.TransportError:
            await asyncio.sleep(0.5)
            continue
        if response.status_code == 202:
            reference: str = response.json()["reference"]
            return reference
        assert response.status_code == 503, response.text
        await asyncio.sleep(0.5)


async def test_dataverse_outage_loses_no_lead_and_makes_none_twice(
    stack: DataverseStack,
) -> None:
    """After 20 s of 503 during the starts, each onboarding has one lead and one note."""
    fake, run = stack.fake, uuid.uuid4().hex[:6]
    fake.outage(True)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        starting = asyncio.gather(*(submit(http, i, run) for i in range(ONBOARDINGS)))
        # The outage lasts OUTAGE_SECONDS from the first call it refuses: on a busy machine
        # the workers may reach Dataverse only after seconds.
        async with asyncio.timeout(120):
            while True:
                if any(status == 503 for _, _, status in fake.requests):
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(OUTAGE_SECONDS)
        refused_during_outage = sum(1 for _, _, status in fake.requests if status == 503)
        fake.outage(False)
        references = await starting
    leads = {str(record_guid(reference, "lead")): reference for reference in references}
    async with asyncio.timeout(180):
        while True:
            noted = {n["_objectid_value"] for n in fake.annotations.values()}
            if all(lead in fake.leads and lead in noted for lead in leads):
                break
            await asyncio.sleep(0.5)
    per_reference = Counter(
        reference for row in fake.leads.values() for reference in references
        if reference in row["subject"]
    )  # fmt: skip
    notes = Counter(n["_objectid_value"] for n in fake.annotations.values())
    print(
        f"\ndataverse fault: {ONBOARDINGS} onboardings, {refused_during_outage} calls refused "
        f"with 503 during {OUTAGE_SECONDS} s; leads {len(fake.leads)}, notes {len(notes)}"
    )
    assert refused_during_outage > 0
    assert len(set(references)) == ONBOARDINGS
    assert set(per_reference.values()) == {1}
    assert len(per_reference) == ONBOARDINGS
    assert {notes[lead] for lead in leads} == {1}
