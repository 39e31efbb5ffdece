"""The fault suites' stack: PostgreSQL, the Temporal dev server and an SMTP sink of their own,
the worker and the web app as real processes (`python -m workers`, `python -m starter`), and
the faults injected into them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from devstack.postgres import EmbeddedPostgres
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer
from plumbing.settings import Settings

STAFF_TOKEN = f"fault-staff-{uuid.uuid4().hex}"
KEEP_PROCESS_LOGS = 10


class Process:
    """A child process of ours that can be killed and started again with the same command."""

    def __init__(self, module: str, env: dict[str, str], log: IO[bytes]) -> None:
        self.module, self.env, self.log = module, env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, env=self.env, stdout=self.log, stderr=self.log
        )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=30)
            except TimeoutError:
                await self.kill()


@dataclass
class Stack:
    postgres: EmbeddedPostgres
    temporal: TemporalDevServer
    smtp: SmtpSink
    worker: Process
    web: Process
    url: str
    log_path: Path
    faults: list[str] = field(default_factory=list)
    worker_killed_at: list[float] = field(default_factory=list)


@contextlib.asynccontextmanager
async def embedded_servers(
    folder: Path,
) -> AsyncIterator[tuple[EmbeddedPostgres, TemporalDevServer, SmtpSink]]:
    """PostgreSQL, the Temporal dev server and an SMTP sink of their own, stopped at the end."""
    postgres = EmbeddedPostgres(folder / "pg")
    temporal = TemporalDevServer(folder / "temporal.db")
    smtp = SmtpSink()
    await asyncio.to_thread(postgres.start)
    await asyncio.to_thread(temporal.start)
    smtp.start()
    try:
        yield postgres, temporal, smtp
    finally:
        smtp.stop()
        await asyncio.to_thread(temporal.stop)
        await asyncio.to_thread(postgres.stop)


def app_env(
    postgres: EmbeddedPostgres, temporal: TemporalDevServer, smtp: SmtpSink, http_port: int
) -> dict[str, str]:
    """The environment of the worker and the web app on those servers."""
    return {
        **os.environ,
        "TEMPORAL_ADDRESS": temporal.address,
        "COMMERCE_DATABASE_URL": postgres.url("commerce"),
        "SALES_DATABASE_URL": postgres.url("sales"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "ONBOARDING_HTTP_PORT": str(http_port),
        "ONBOARDING_STAFF_TOKEN": STAFF_TOKEN,
        "ONBOARDING_SUBMIT_RATE_PER_MINUTE": "0",
        "ONBOARDING_METRICS_PORT": "0",
        "ONBOARDING_ENVIRONMENT": "dev",
    }


@contextlib.asynccontextmanager
async def app_processes(
    env: dict[str, str], log: IO[bytes]
) -> AsyncIterator[tuple[Process, Process]]:
    """`python -m workers` and `python -m starter`, stopped at the end (the web app first)."""
    worker, web = Process("workers", env, log), Process("starter", env, log)
    await worker.start()
    await web.start()
    try:
        yield worker, web
    finally:
        await web.stop()
        await worker.stop()


@contextlib.asynccontextmanager
async def replica_processes(
    env: dict[str, str], http_ports: list[int], log: IO[bytes]
) -> AsyncIterator[tuple[list[Process], list[Process]]]:
    """A worker and a web app per HTTP port, all on one task queue and one database; stopped
    at the end, the web apps first."""
    workers = [Process("workers", env, log) for _ in http_ports]
    webs = [Process("starter", {**env, "ONBOARDING_HTTP_PORT": str(p)}, log) for p in http_ports]
    try:
        for process in (*workers, *webs):
            await process.start()
        yield workers, webs
    finally:
        for process in (*webs, *workers):
            await process.stop()


def process_log() -> Path:
    """A new file per run, so a failed run's log survives the runs after it; old ones pruned."""
    logs = Path(__file__).parent / "artifacts"
    logs.mkdir(exist_ok=True)
    for old in sorted(logs.glob("fault-suite-processes-*.log"))[:-KEEP_PROCESS_LOGS]:
        # The other fault suite, on another xdist worker, may be pruning the same one.
        old.unlink(missing_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return logs / f"fault-suite-processes-{stamp}-{uuid.uuid4().hex[:6]}.log"


# How long each killed worker stays down before a new one starts.
WORKER_DOWN = 1.0


async def until_polling(stack: Stack) -> None:
    """Until the worker process now running polls its task queue.

    A busy machine (other tests running beside this suite) can take longer to start a worker
    than the pause before the next fault, and a worker still starting when Temporal restarts
    cannot connect and exits: the faults would then hit no worker at all.
    """
    assert stack.worker.proc is not None
    identity = f"{stack.worker.proc.pid}@"
    client = await Client.connect(stack.temporal.address)
    defaults = Settings(onboarding_environment="dev")
    request = DescribeTaskQueueRequest(
        namespace=defaults.temporal_namespace,
        task_queue=TaskQueue(name=defaults.onboarding_task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    async with asyncio.timeout(120):
        while True:
            pollers = (await client.workflow_service.describe_task_queue(request)).pollers
            if any(poller.identity.startswith(identity) for poller in pollers):
                return
            await asyncio.sleep(0.2)


async def inject_faults(stack: Stack) -> None:
    await until_polling(stack)
    await asyncio.sleep(4)
    for _ in range(3):
        stack.worker_killed_at.append(time.monotonic())
        await stack.worker.kill()
        stack.faults.append("worker SIGKILL")
        await asyncio.sleep(WORKER_DOWN)
        await stack.worker.start()
        await until_polling(stack)
        await asyncio.sleep(5)
    await asyncio.to_thread(stack.temporal.stop)
    await asyncio.to_thread(stack.temporal.start)
    stack.faults.append("Temporal dev server restart")
    await asyncio.sleep(5)
    await asyncio.to_thread(stack.postgres.stop)
    stack.faults.append("PostgreSQL stopped 20 s")
    await asyncio.sleep(20)
    await asyncio.to_thread(stack.postgres.start)
    await asyncio.sleep(5)
    stack.smtp.stop()
    stack.faults.append("SMTP server stopped 20 s")
    await asyncio.sleep(20)
    stack.smtp.start()
