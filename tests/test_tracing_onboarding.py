"""One onboarding, traced by the real web app and worker processes into an OTLP receiver:
one trace from the form's POST through the workflow to its SQL and SMTP, with nobody's
personal data in any span or log line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from devstack.ports import free_port
from plumbing.settings import Settings
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp
from tests.otlp_receiver import ReceivedSpan, otlp_receiver

# One worker takes the whole module (loadgroup), so its traced processes start once, not once
# on each worker that gets one of its tests.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("traced-processes")]

STAFF_TOKEN = f"tracing-staff-{uuid.uuid4().hex}"


def traced_env(settings: Settings, task_queue: str, port: int, endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "COMMERCE_DATABASE_URL": settings.commerce_database_url,
        "SALES_DATABASE_URL": settings.sales_database_url,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
        "ONBOARDING_TASK_QUEUE": task_queue,
        "ONBOARDING_HTTP_PORT": str(port),
        "ONBOARDING_STAFF_TOKEN": STAFF_TOKEN,
        "ONBOARDING_SUBMIT_RATE_PER_MINUTE": "0",
        "ONBOARDING_ENVIRONMENT": "dev",
        "ONBOARDING_METRICS_PORT": "0",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }


@contextlib.asynccontextmanager
async def traced_processes(env: dict[str, str], log: Path) -> AsyncIterator[None]:
    """`python -m workers` and `python -m starter`, stopped by SIGTERM (flushing their spans)."""
    with log.open("wb") as out:
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", module, env=env, stdout=out, stderr=out
            )
            for module in ("workers", "starter")
        ]
        try:
            yield
        finally:
            for proc in reversed(procs):
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(proc.wait(), timeout=30)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()


async def until_serving(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(60):
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)


async def approved_onboarding(http: httpx.AsyncClient, web: WebApp, body: dict[str, Any]) -> str:
    """Submit, qualify and win: the reference of the approved onboarding."""
    response = await http.post("/api/onboarding-requests", json=body)
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    path = f"/api/onboarding-requests/{reference}"
    lead_id = (await poll(http, web, path, "lead_id", within=60))["lead_id"]
    qualify = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert qualify.status_code == 202, qualify.text
    opportunity_id = (await poll(http, web, path, "opportunity_id", within=60))["opportunity_id"]
    await poll(http, web, f"/api/sales/leads/{lead_id}", "opportunity_id", within=60)
    won = {"outcome": "won", "credit_limit": {"amount": "250000", "currency": "USD"}}
    close = await http.post(
        f"/api/sales/opportunities/{opportunity_id}/close", json=won, headers=web.staff()
    )
    assert close.status_code == 202, close.text
    assert (await poll(http, web, path, "closed", within=60))["status"] == "approved"
    return reference


def personal_values(body: dict[str, Any]) -> list[str]:
    contact, company = body["contact"], body["company"]
    address = company["address"]
    return [
        contact["email"],
        contact["first_name"],
        contact["last_name"],
        contact["phone"],
        company["phone"],
        address["line1"],
        address["city"],
        address["postal_code"],
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def traced_onboarding(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[dict[str, Any], list[ReceivedSpan], str]]:
    """An onboarding approved through traced processes: its request body, every span the
    processes exported, and their log output."""
    port = free_port()
    web = WebApp(url=f"http://127.0.0.1:{port}", staff_token=STAFF_TOKEN, settings=settings)
    body = request_body()
    log = tmp_path_factory.mktemp("traced") / "processes.log"
    async with otlp_receiver() as receiver:
        env = traced_env(settings, f"traced-{uuid.uuid4().hex[:8]}", port, receiver.endpoint)
        async with (
            traced_processes(env, log),
            httpx.AsyncClient(base_url=web.url, timeout=30) as http,
        ):
            await until_serving(http)
            await approved_onboarding(http, web, body)
        yield body, receiver.spans, log.read_text(encoding="utf-8")


def the_request_span(spans: list[ReceivedSpan], method: str, path_start: str) -> ReceivedSpan:
    return next(
        s
        for s in spans
        if s.service == "web"
        and s.span.name.startswith(f"{method} {path_start}")
        and s.span.kind == s.span.SPAN_KIND_SERVER
    )


async def test_one_trace_from_the_form_post_to_sql_and_smtp(
    traced_onboarding: tuple[dict[str, Any], list[ReceivedSpan], str],
) -> None:
    """The form's POST, StartWorkflow, the run, its activities, SQL and SMTP share one trace."""
    _, spans, _ = traced_onboarding
    post = the_request_span(spans, "POST", "/api/onboarding-requests")
    in_trace = [s for s in spans if s.trace_id == post.trace_id]
    names = {(s.service, s.span.name) for s in in_trace}
    assert ("web", "StartWorkflow:OnboardingWorkflow") in names
    assert ("worker", "RunWorkflow:OnboardingWorkflow") in names
    assert any(s == "worker" and n.startswith("RunActivity:") for s, n in names)
    assert ("worker", "SMTP send") in names
    sql = [s for s in in_trace if s.attributes.get("db.system") == "postgresql"]
    assert {s.service for s in sql} == {"web", "worker"}


async def test_a_staff_decision_links_its_trace_to_the_run(
    traced_onboarding: tuple[dict[str, Any], list[ReceivedSpan], str],
) -> None:
    """The close's own trace is linked from the run's trace, where the workflow takes it in."""
    _, spans, _ = traced_onboarding
    post = the_request_span(spans, "POST", "/api/onboarding-requests")
    close = the_request_span(spans, "POST", "/api/sales/opportunities/")
    assert close.trace_id != post.trace_id
    linked = {
        link.trace_id.hex()
        for s in spans
        if s.trace_id == post.trace_id and s.service == "worker"
        for link in s.span.links
    }
    assert close.trace_id in linked


async def test_no_personal_data_in_any_span(
    traced_onboarding: tuple[dict[str, Any], list[ReceivedSpan], str],
) -> None:
    """No span's name, attribute or event holds the requester's email, name, phone or address."""
    body, spans, _ = traced_onboarding
    texts = [text for s in spans for text in s.texts()]
    found = {value for value in personal_values(body) for text in texts if value in text}
    assert len(spans) > 20
    assert found == set()


async def test_logs_are_json_lines_without_personal_data(
    traced_onboarding: tuple[dict[str, Any], list[ReceivedSpan], str],
) -> None:
    """Both processes log JSON lines, with trace and span ids, and none of the personal values
    nor the visitor's address."""
    body, _, log = traced_onboarding
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert {"workers", "uvicorn.access"} <= {line["logger"] for line in lines}
    assert any("trace_id" in line and "span_id" in line for line in lines)
    assert [v for v in personal_values(body) if v in log] == []
    assert "127.0.0.1:" not in " ".join(
        line["message"] for line in lines if line["logger"] == "uvicorn.access"
    )
