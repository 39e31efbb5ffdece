"""With Sales in Dynamics 365 (SALES_BACKEND=dataverse), the staff API is the way to ask, and
each answer reaches the lead as notes: one with the text, one per file with the file attached
(`documentbody`, `filename`, `mimetype`), written once through a storm of 429s."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.client import Client

from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores, open_stores
from sales.dataverse.lead_columns import record_guid
from starter.app import create_app
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp, serving
from tests.dataverse_fake import DataverseFake, serve
from tests.factories import unique_email
from tests.test_information_page import PDF, PNG, form_of, page_in_mail, send
from tests.test_information_requests_api import body
from workers.worker import running_worker

CLIENT_SECRET = f"dv-secret-{uuid.uuid4().hex}"
pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dynamics(
    settings: Settings, client: Client
) -> AsyncIterator[tuple[DataverseFake, WebApp]]:
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
                "onboarding_task_queue": f"dv-info-{uuid.uuid4().hex[:8]}",
            }
        )
        token = f"staff-{uuid.uuid4().hex}"
        async with (
            open_stores(dv_settings) as stores,
            running_worker(client, dv_settings.onboarding_task_queue, stores, dv_settings),
            serving(create_app(dv_settings, token)) as url,
        ):
            yield fake, WebApp(url=url, staff_token=token, settings=dv_settings)


def answer_notes(fake: DataverseFake, lead: str) -> list[dict[str, Any]]:
    return sorted(
        (n for n in fake.annotations.values() if n["_objectid_value"] == lead),
        key=lambda n: n["subject"],
    )


async def test_an_answer_becomes_notes_with_attachments_once_through_429s(
    dynamics: tuple[DataverseFake, WebApp], smtp: SmtpSink, stores: Stores
) -> None:
    """Asked through the API by the lead's GUID, answered with a PDF and a PNG while Dataverse
    throttles: one text note and one note per file, each attachment byte for byte."""
    fake, web = dynamics
    email = unique_email()
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        submitted = await http.post("/api/onboarding-requests", json=request_body(email=email))
        reference = submitted.json()["reference"]
        await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id")
        lead = str(record_guid(reference, "lead"))
        path = f"/api/sales/leads/{lead}/information-requests"
        asked = await http.post(path, json=body(), headers=web.staff())
        assert asked.status_code == 201, asked.text
        page = await page_in_mail(smtp, email)
        before = len(answer_notes(fake, lead))
        fake.answer_next(429, count=6, retry_after=1)
        files = [("謄本.pdf", PDF, "application/pdf"), ("scan.png", PNG, "image/png")]
        sent = await send(http, await form_of(http, page), "Both attached.", files)
        assert sent.status_code == 200
        async with asyncio.timeout(90):
            while len(answer_notes(fake, lead)) < before + 3:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        listed = await http.get(path, headers=web.staff())
    notes = [n for n in answer_notes(fake, lead) if n["subject"] != "From the B2B site"]
    texts = [n for n in notes if not n["isdocument"]]
    assert [n["notetext"].split("\n")[0] for n in texts if n["subject"].startswith("Answer")] == [
        "Both attached."
    ]
    attached = {n["filename"]: n for n in notes if n["isdocument"]}
    assert set(attached) == {"謄本.pdf", "scan.png"}
    assert base64.b64decode(attached["謄本.pdf"]["documentbody"]) == PDF
    assert attached["scan.png"]["mimetype"] == "image/png"
    throttled = [r for r in fake.requests if r[0] == "POST" and r[1].endswith("annotations")]
    assert 429 in [status for *_, status in throttled]
    assert listed.json()[0]["status"] == "answered"
