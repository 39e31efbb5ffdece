"""SIGTERM drains the worker: an activity already running finishes before the process exits."""

from __future__ import annotations

import asyncio
import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from devstack.ports import free_port
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services.account_emails import start_account_email
from tests.test_worker_process import worker_env
from workflows.models import AccountEmailRequest

# Far above what the held email needs once let go; the test only ever waits on events.
GRACE_SECONDS = 60


class HeldSmtpServer:
    """An SMTP server that takes each message's data, then answers only once let go."""

    def __init__(self) -> None:
        self.receiving = threading.Event()
        self.let_go = threading.Event()
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.receiving.set()
        await asyncio.to_thread(self.let_go.wait, GRACE_SECONDS)
        self.accepted.append(envelope.original_content)
        return "250 Message accepted for delivery"


@pytest.fixture
def held_smtp() -> Iterator[tuple[HeldSmtpServer, int]]:
    server = HeldSmtpServer()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server, port
    finally:
        server.let_go.set()
        controller.stop()


async def line_containing(stream: asyncio.StreamReader, text: bytes, seen: list[bytes]) -> None:
    """Read the process's output until a line contains `text` (TimeoutError after 30 s)."""
    async with asyncio.timeout(30):
        while True:
            line = await stream.readline()
            seen.append(line)
            if text in line or not line:
                assert text in line, b"".join(seen).decode()
                return


async def test_sigterm_lets_the_running_email_finish(
    client: Client, stores: Stores, settings: Settings, held_smtp: tuple[HeldSmtpServer, int]
) -> None:
    """An email the SMTP server is still taking when SIGTERM comes goes out, and the worker
    then exits 0 within its grace."""
    smtp, smtp_port = held_smtp
    task_queue = f"worker-drain-{uuid.uuid4().hex[:8]}"
    email = f"staff.{uuid.uuid4().hex[:10]}@shop.example"
    await stores.commerce_store().accounts.add_staff(
        f"STF-{uuid.uuid4().hex[:20]}", email, "Rep Drain"
    )
    env = {
        **worker_env(settings, task_queue, free_port()),
        "SMTP_PORT": str(smtp_port),
        "ONBOARDING_WORKER_SHUTDOWN_GRACE": f"PT{GRACE_SECONDS}S",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workers", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    run_id = f"drain-{uuid.uuid4().hex}"
    output: list[bytes] = []
    try:
        await start_account_email(
            client, task_queue,
            AccountEmailRequest(audience="staff", purpose="link", email=email, locale="en"),
            run_id,
        )  # fmt: skip
        assert await asyncio.to_thread(smtp.receiving.wait, 30)
        proc.terminate()
        await line_containing(proc.stdout, b"shutting down", output)
        smtp.let_go.set()
        rest, _ = await asyncio.wait_for(proc.communicate(), timeout=GRACE_SECONDS)
        output.append(rest)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    handle = client.get_workflow_handle(run_id)
    events = [event.event_type async for event in handle.fetch_history_events()]
    await handle.terminate("test done")
    assert proc.returncode == 0, b"".join(output).decode()
    assert len(smtp.accepted) == 1
    # The account's lookup, then the email: both completed, neither cancelled nor retried.
    assert events.count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 2
    assert events.count(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) == 2
