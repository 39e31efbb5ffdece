"""The worker entry point serves onboardings and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid

import httpx
import pytest
from temporalio.client import Client

from devstack.ports import free_port
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter
from tests.factories import make_request, wait_for_state
from workers.worker import run_event_loop, stopping_on_signals
from workflows.onboarding import OnboardingWorkflow


def worker_env(settings: Settings, task_queue: str, metrics_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "COMMERCE_DATABASE_URL": settings.commerce_database_url,
        "SALES_DATABASE_URL": settings.sales_database_url,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
        "ONBOARDING_TASK_QUEUE": task_queue,
        "ONBOARDING_METRICS_PORT": str(metrics_port),
        "ONBOARDING_ENVIRONMENT": "dev",
    }


async def metrics_once_reported(port: int, name: str) -> str:
    """The worker's metrics page once it reports `name` (TimeoutError after 30 s)."""
    text = ""
    async with httpx.AsyncClient() as http, asyncio.timeout(30):
        while name not in text:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            if name not in text:
                await asyncio.sleep(0.2)
    return text


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_worker_process_serves_then_stops_on_signal(
    client: Client, stores: Stores, settings: Settings, stop_signal: signal.Signals
) -> None:
    """`python -m workers` creates a lead, serves metrics, then exits 0 on the signal."""
    task_queue = f"worker-process-{uuid.uuid4().hex[:8]}"
    metrics_port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workers",
        env=worker_env(settings, task_queue, metrics_port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        starter = OnboardingStarter(client, stores.commerce, task_queue, settings.policy())
        started = await starter.start(make_request("en"))
        handle = client.get_workflow_handle_for(OnboardingWorkflow.run, started.reference)
        state = await wait_for_state(handle, lambda s: s.ids.lead_id is not None, within=60)
        assert state.ids.lead_id is not None
        # Store writes and emails are local activities; the acknowledgement email may still
        # be running when the lead exists, so wait for their figure.
        assert "temporal_local_activity_execution_latency" in await metrics_once_reported(
            metrics_port, "temporal_local_activity_execution_latency"
        )
        proc.send_signal(stop_signal)
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, output.decode()
    assert b"shutting down" in output
    assert f"Prometheus metrics on port {metrics_port}".encode() in output
    await handle.terminate("test done")


def test_worker_runs_on_uvloop() -> None:
    """The worker's coroutine runs on uvloop, the cheaper event loop, where it is installed."""
    loops: list[str] = []

    async def probe() -> None:
        loops.append(type(asyncio.get_running_loop()).__module__)

    run_event_loop(probe())
    assert loops == ["uvloop"]


def test_signal_stops_the_loop_then_the_default_handlers_return() -> None:
    """SIGTERM ends the worker's wait; afterwards SIGTERM and SIGINT have their defaults."""
    # The session's own web servers installed handlers; put them back after the test.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    async def serve_until_signalled() -> None:
        stop = asyncio.Event()
        with stopping_on_signals(stop):
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stop.wait(), timeout=10)

    try:
        run_event_loop(serve_until_signalled())
        after = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
        assert after == (signal.SIG_DFL, signal.default_int_handler)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
