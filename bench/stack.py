"""The benchmark's stack: embedded servers (or the environment's), worker and web processes."""

from __future__ import annotations

import asyncio
import compileall
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.run import wait_healthy
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer

ROOT = Path(__file__).resolve().parent.parent
STAFF_TOKEN = "bench-staff-token"
STOREFRONT_TOKEN = "bench-storefront-token"
# A machine that other work keeps busy may take more than a minute to start the web app.
STARTING_SECONDS = 180.0


@dataclass
class BenchStack:
    folder: Path
    env: dict[str, str]
    url: str
    smtp: SmtpSink
    temporal: TemporalDevServer | None = None
    postgres: EmbeddedPostgres | None = None
    children: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)

    def pids(self) -> dict[str, list[int]]:
        """The processes whose CPU the report accounts, by role."""
        groups: dict[str, list[int]] = {name: [p.pid] for name, p in self.children.items()}
        # Not part of the system, but it shares the cores: the HTTP clients and the SMTP sink.
        groups["bench driver + SMTP sink"] = [os.getpid()]
        if self.temporal is not None and self.temporal.pid is not None:
            groups["temporal"] = [self.temporal.pid]
        if self.postgres is not None:
            postmaster = self.postgres.pid()
            if postmaster is not None:
                root = psutil.Process(postmaster)
                groups["postgresql"] = [postmaster] + [c.pid for c in root.children(True)]
        return groups

    async def start_process(self, name: str, module: str, **extra: str) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        self.children[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, env={**self.env, **extra}, stdout=log, stderr=log
        )

    async def close(self) -> None:
        for proc in self.children.values():
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), timeout=20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
        self.smtp.stop()
        if self.temporal is not None:
            await asyncio.to_thread(self.temporal.stop)
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)
        shutil.rmtree(self.folder, ignore_errors=True)


def fresh_bytecode() -> None:
    """Write the bytecode of every edited module. With PYTHONDONTWRITEBYTECODE set, a module
    edited since the last install would be compiled again for every workflow run the worker's
    sandbox starts (it re-imports the workflow's modules): that would be measured, not the code."""
    for package in ROOT.iterdir():
        if (package / "__init__.py").is_file():
            compileall.compile_dir(package, quiet=1)


async def open_stack(
    worker_env: dict[str, str], temporal_metrics_port: int | None = None
) -> BenchStack:
    await asyncio.to_thread(fresh_bytecode)
    folder = Path(tempfile.mkdtemp(prefix="onboarding-bench-"))
    env = {**os.environ}
    temporal = postgres = None
    if not env.get("TEMPORAL_ADDRESS"):
        temporal = TemporalDevServer(folder / "temporal.db", metrics_port=temporal_metrics_port)
        await asyncio.to_thread(temporal.start)
        env["TEMPORAL_ADDRESS"] = temporal.address
    if not env.get("COMMERCE_DATABASE_URL"):
        postgres = EmbeddedPostgres(folder / "pg")
        await asyncio.to_thread(postgres.start)
        env["COMMERCE_DATABASE_URL"] = postgres.url("commerce")
        env["SALES_DATABASE_URL"] = postgres.url("sales")
    smtp = SmtpSink()
    smtp.start()
    port = free_port()
    env.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        ONBOARDING_HTTP_PORT=str(port),
        # A benchmark on this machine's embedded servers: the dev secrets do.
        ONBOARDING_ENVIRONMENT="dev",
        ONBOARDING_STAFF_TOKEN=STAFF_TOKEN,
        ONBOARDING_SUBMIT_RATE_PER_MINUTE="0",
        # Thousands of onboardings an hour: every acknowledgement must go out as it would
        # below the ceiling, or the benchmark measures the wait.
        ONBOARDING_ACKNOWLEDGEMENTS_PER_HOUR="0",
        ONBOARDING_METRICS_PORT="0",
        ONBOARDING_STOREFRONT_TOKEN=STOREFRONT_TOKEN,
    )
    stack = BenchStack(folder, env, f"http://127.0.0.1:{port}", smtp, temporal, postgres)
    try:
        await stack.start_process("worker", "workers", **worker_env)
        await stack.start_process("web", "starter")
        await stack.start_process(
            "reference-worker", "bench.noop", ONBOARDING_TASK_QUEUE="bench-reference", **worker_env
        )
        await wait_healthy(f"{stack.url}/healthz", within=STARTING_SECONDS)
    except BaseException:
        await stack.close()  # no process or server left behind
        raise
    return stack
