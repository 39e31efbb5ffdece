"""Operators read runs in the Temporal UI: in the dev run its payloads come decoded with no
setting touched; outside dev the codec stays staff-only."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from google.protobuf import json_format
from playwright.async_api import expect
from starlette.requests import Request
from temporalio.api.common.v1 import Payload, Payloads

from devstack.ports import free_port
from devstack.temporal import TemporalDevServer
from plumbing.settings import Settings
from plumbing.stores import Stores
from plumbing.temporal import connect_temporal
from starter.app import create_app
from starter.integrations.codec import _from_dev_ui as from_dev_ui
from starter.integrations.codec import ui_origins
from starter.services.start import OnboardingStarter
from tests.browser_pages import SCREENSHOTS, Visitors
from tests.conftest import connect_once_healthy, serving
from tests.factories import disqualified, make_request, start_until_lead
from workers.worker import running_worker
from workflows.onboarding import OnboardingWorkflow


@dataclass(frozen=True)
class DevRun:
    ui_url: str
    web_url: str
    settings: Settings
    starter: OnboardingStarter


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dev_run(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, stores: Stores
) -> AsyncIterator[DevRun]:
    """The dev run's shape: a dev server with its UI, whose codec endpoint is the web app's."""
    web_port, ui_port = free_port(), free_port()
    server = TemporalDevServer(
        tmp_path_factory.mktemp("ui") / "temporal.db",
        ui_port=ui_port,
        codec_endpoint=f"http://localhost:{web_port}/codec",
    )
    await asyncio.to_thread(server.start)
    run_settings = settings.model_copy(
        update={
            "temporal_address": server.address,
            "onboarding_temporal_ui_url": f"http://localhost:{ui_port}",
            "onboarding_task_queue": f"ui-{uuid.uuid4().hex[:8]}",
        }
    )
    client = await connect_once_healthy(run_settings)
    queue = run_settings.onboarding_task_queue
    try:
        async with (
            running_worker(client, queue, stores, run_settings),
            serving(create_app(run_settings, f"staff-{uuid.uuid4().hex}"), web_port) as web_url,
        ):
            starter = OnboardingStarter(client, stores.commerce, queue, run_settings.policy())
            yield DevRun(f"http://localhost:{ui_port}", web_url, run_settings, starter)
    finally:
        await asyncio.to_thread(server.stop)


@pytest.mark.browser
async def test_dev_ui_shows_a_finished_run_decoded(dev_run: DevRun, visitors: Visitors) -> None:
    """A rejected onboarding's page in the dev UI shows its company name, with no setting."""
    company = f"Decoded Trading {uuid.uuid4().hex[:8]}"
    request = make_request("en")
    request = request.model_copy(
        update={"company": request.company.model_copy(update={"name": company})}
    )
    client = await connect_temporal(dev_run.settings)
    handle = await start_until_lead(client, dev_run.starter, request)
    await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified())
    await handle.result()
    run_id = (await handle.describe()).run_id
    page = await visitors.new_page()
    await page.goto(f"{dev_run.ui_url}/namespaces/default/workflows/{handle.id}/{run_id}")
    try:
        await expect(page.get_by_text(f'"{company}"').first).to_be_visible(timeout=30_000)
    finally:
        folder = SCREENSHOTS / "temporal-ui"
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=folder / "decoded-run.png", full_page=True)


async def test_dev_ui_origin_decodes_without_credentials(dev_run: DevRun) -> None:
    """The codec answers the dev UI's origin on loopback without a token or a cookie."""
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"company": "Loopback Ltd"}')
    sealed = await dev_run.settings.codec().encode([plain])
    body = json.loads(json_format.MessageToJson(Payloads(payloads=sealed)))
    async with httpx.AsyncClient(base_url=dev_run.web_url) as http:
        answer = await http.post("/codec/decode", json=body, headers={"Origin": dev_run.ui_url})
        stranger = await http.post(
            "/codec/decode", json=body, headers={"Origin": "http://elsewhere.example"}
        )
    assert answer.status_code == 200
    decoded = json_format.Parse(answer.text, Payloads()).payloads
    assert list(decoded) == [plain]
    assert answer.headers["access-control-allow-origin"] == dev_run.ui_url
    assert stranger.status_code == 401


def _request(origin: str, client_host: str) -> Request:
    headers = [(b"origin", origin.encode())]
    scope = {"type": "http", "method": "POST", "path": "/codec/decode", "headers": headers,
             "client": (client_host, 50000), "query_string": b""}  # fmt: skip
    return Request(scope)


def test_outside_dev_the_ui_origin_alone_opens_nothing(settings: Settings) -> None:
    """In production a call from the UI's origin on loopback still needs staff."""
    production = settings.model_copy(
        update={"onboarding_environment": "production",
                "onboarding_temporal_ui_url": "http://localhost:8233"}
    )  # fmt: skip
    dev = production.model_copy(update={"onboarding_environment": "dev"})
    request = _request("http://localhost:8233", "127.0.0.1")
    assert from_dev_ui(request, dev)
    assert not from_dev_ui(request, production)


def test_dev_trust_needs_a_loopback_client(settings: Settings) -> None:
    """A dev app reached over the network does not trust the UI's origin header."""
    dev = settings.model_copy(update={"onboarding_temporal_ui_url": "http://localhost:8233"})
    assert "http://127.0.0.1:8233" in ui_origins(dev)
    assert not from_dev_ui(_request("http://localhost:8233", "192.0.2.7"), dev)
