"""One command for the whole system on embedded servers: `scripts/run`.

Every server whose address is set in the environment (SPEC.md, "Interfaces") is used as it
is; the others are started here, with their data under .data/ so a second run resumes. The
servers end with the run, however it ends; a run finds what a killed one left and stops it.
Their ports come from the environment: see DEV_PORTS.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn

from devstack.claims import CannotStart, claim_data_folder, claim_ports, port_number
from devstack.lifetime import PidFile, python_module
from devstack.mailbox_page import mailbox_app
from devstack.postgres import EmbeddedPostgres
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer

# The variable that sets each port the dev run listens on, and the port when it is unset.
DEV_PORTS = {
    "ONBOARDING_DEV_TEMPORAL_PORT": 7233,
    "ONBOARDING_DEV_TEMPORAL_UI_PORT": 8233,
    "ONBOARDING_DEV_POSTGRES_PORT": 55432,
    "ONBOARDING_DEV_SMTP_PORT": 1025,
    "ONBOARDING_DEV_MAILBOX_PORT": 8025,
    "ONBOARDING_HTTP_PORT": 8000,
    # The worker's metrics; 0 turns them off.
    "ONBOARDING_METRICS_PORT": 9464,
}
DEV_STAFF_EMAIL = "staff@shop.example"
DEV_STAFF_NAME = "Dev Staff"
# The processes the dev run starts: name (of its log and pid file) and module.
PROCESSES = {"worker": "workers", "web": "starter"}


def staff_token(data: Path) -> str:
    """The same generated token on every run, unless the environment gives one."""
    if token := os.environ.get("ONBOARDING_STAFF_TOKEN"):
        return token
    path = data / "staff-token"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


class Stack:
    def __init__(self, data: Path) -> None:
        self.data = data
        # The worker and the web app run in the dev environment, on its fixed secrets: a
        # process started without it is production, the default, and asks for real ones.
        self.env = {**os.environ, "ONBOARDING_ENVIRONMENT": "dev"}
        # A person reads these logs in the terminal; production's are JSON lines.
        self.env.setdefault("ONBOARDING_LOG_FORMAT", "text")
        self.ports = {
            variable: port_number(variable, self.env.get(variable, str(default)))
            for variable, default in DEV_PORTS.items()
        }
        self.urls: dict[str, str] = {}
        self._stops: list[Callable[[], object]] = []
        self.temporal = TemporalDevServer(
            data / "temporal.db",
            port=self.ports["ONBOARDING_DEV_TEMPORAL_PORT"],
            ui_port=self.ports["ONBOARDING_DEV_TEMPORAL_UI_PORT"],
            codec_endpoint=f"http://localhost:{self.ports['ONBOARDING_HTTP_PORT']}/codec",
        )
        self.postgres = EmbeddedPostgres(
            data / "postgres", port=self.ports["ONBOARDING_DEV_POSTGRES_PORT"]
        )

    async def claim(self) -> None:
        """Hold the data folder, stop what a killed run left running in it, and check that
        the ports are free: CannotStart otherwise."""
        self._stops.append(claim_data_folder(self.data).close)
        for what, pid in await asyncio.to_thread(self._stop_leftovers):
            print(f"Stopped {what} (pid {pid}), left running by an earlier run.", flush=True)
        claim_ports(self._ports_to_listen_on())

    def _stop_leftovers(self) -> list[tuple[str, int]]:
        # The clients first, as a run stops them.
        found = [
            (f"the {name} process", self._pid_file(name).stop_leftover(signal.SIGTERM))
            for name in PROCESSES
        ]
        found.append(("the Temporal dev server", self.temporal.stop_leftover()))
        found.append(("PostgreSQL", self.postgres.stop_leftover()))
        return [(what, pid) for what, pid in found if pid is not None]

    def _ports_to_listen_on(self) -> dict[str, int]:
        """By variable; none of a server it uses as is, nor a port set to 0 (off)."""
        unused: set[str] = set()
        if self.env.get("TEMPORAL_ADDRESS"):
            unused |= {"ONBOARDING_DEV_TEMPORAL_PORT", "ONBOARDING_DEV_TEMPORAL_UI_PORT"}
        if self._has_databases():
            unused.add("ONBOARDING_DEV_POSTGRES_PORT")
        if self.env.get("SMTP_HOST"):
            unused |= {"ONBOARDING_DEV_SMTP_PORT", "ONBOARDING_DEV_MAILBOX_PORT"}
        return {v: port for v, port in self.ports.items() if port and v not in unused}

    def _has_databases(self) -> bool:
        return bool(self.env.get("COMMERCE_DATABASE_URL") and self.env.get("SALES_DATABASE_URL"))

    async def start_servers(self) -> None:
        # Each server starts on this thread, which lives as long as the run: on Linux a
        # server ends with the thread that started it (devstack.lifetime).
        env, ports = self.env, self.ports
        if not env.get("TEMPORAL_ADDRESS"):
            self.temporal.launch()
            self._stops.append(self.temporal.stop)
            await asyncio.to_thread(self.temporal.wait_ready)
            env["TEMPORAL_ADDRESS"] = self.temporal.address
            self.urls["Temporal UI"] = f"http://localhost:{self.temporal.ui_port}"
            env.setdefault("ONBOARDING_TEMPORAL_UI_URL", self.urls["Temporal UI"])
        if not self._has_databases():
            await asyncio.to_thread(self.postgres.prepare)
            self.postgres.launch()
            self._stops.append(self.postgres.stop)
            await asyncio.to_thread(self.postgres.wait_ready)
            env.setdefault("COMMERCE_DATABASE_URL", self.postgres.url("commerce"))
            env.setdefault("SALES_DATABASE_URL", self.postgres.url("sales"))
            self.urls["PostgreSQL"] = self.postgres.url("commerce")
        if not env.get("SMTP_HOST"):
            sink = SmtpSink(port=ports["ONBOARDING_DEV_SMTP_PORT"], maildir=self.data / "mailbox")
            sink.start()
            self._stops.append(sink.stop)
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port))
            await self._serve_mailbox(ports["ONBOARDING_DEV_MAILBOX_PORT"])
        env["ONBOARDING_STAFF_TOKEN"] = staff_token(self.data)
        port = env["ONBOARDING_HTTP_PORT"] = str(ports["ONBOARDING_HTTP_PORT"])
        env["ONBOARDING_METRICS_PORT"] = str(ports["ONBOARDING_METRICS_PORT"])
        env.setdefault("ONBOARDING_STORE_URL", f"http://localhost:{port}")
        self.urls["B2B site"] = f"http://localhost:{port}/"
        self.urls["Sales console"] = f"http://localhost:{port}/sales/leads"
        self.urls["Commerce back office"] = f"http://localhost:{port}/commerce/prospects"
        self.urls["API docs"] = f"http://localhost:{port}/docs"

    async def _serve_mailbox(self, port: int) -> None:
        app = mailbox_app(self.data / "mailbox")
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        task = asyncio.create_task(server.serve())

        async def stop() -> None:
            server.should_exit = True
            await task

        self._stops.append(stop)
        self.urls["Mailbox"] = f"http://localhost:{port}/"

    def process(
        self, name: str, module: str
    ) -> contextlib.AbstractAsyncContextManager[asyncio.subprocess.Process]:
        return python_module(module, self.env, self.data / f"{name}.log", self._pid_file(name))

    def _pid_file(self, name: str) -> PidFile:
        return PidFile(self.data / f"{name}.pid")

    async def add_dev_staff(self) -> None:
        """One staff account for the dev run, through the same command operators use; it
        prints the one-time link that sets the account's password."""
        command = ("-m", "starter", "staff", "add", DEV_STAFF_EMAIL, DEV_STAFF_NAME)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *command, env=self.env, stdout=PIPE, stderr=STDOUT
        )
        output, _ = await proc.communicate()
        print(f"\nStaff sign-in at {self.urls['Sales console']} as {DEV_STAFF_EMAIL}:")
        print("  " + output.decode(errors="replace").strip().replace("\n", "\n  "))

    async def stop_servers(self) -> None:
        for stop in reversed(self._stops):
            result = stop()
            if asyncio.iscoroutine(result):
                await result
            else:
                await asyncio.sleep(0)


async def wait_healthy(url: str, within: float = 60) -> None:
    async with httpx.AsyncClient() as http, asyncio.timeout(within):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.25)


async def run(data: Path, started: float) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stack = Stack(data)
    try:
        await stack.claim()
        await stack.start_servers()
        async with (
            stack.process("worker", PROCESSES["worker"]) as worker,
            stack.process("web", PROCESSES["web"]) as web,
        ):
            await wait_healthy(f"http://127.0.0.1:{stack.env['ONBOARDING_HTTP_PORT']}/healthz")
            print(f"\nPartner onboarding is up ({time.monotonic() - started:.1f} s):")
            for name, url in stack.urls.items():
                print(f"  {name:<22} {url}")
            print(f"  {'Staff API token':<22} {stack.env['ONBOARDING_STAFF_TOKEN']}")
            print(f"  {'Logs and data':<22} {data}")
            await stack.add_dev_staff()
            print("Ctrl-C stops everything.\n", flush=True)
            children = [asyncio.create_task(p.wait()) for p in (worker, web)]
            waiting = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait([waiting, *children], return_when="FIRST_COMPLETED")
            if waiting not in done:
                print("a process stopped on its own; see its log in", data, file=sys.stderr)
                return 1
        print("stopping...", flush=True)
        return 0
    finally:
        await stack.stop_servers()


def main() -> int:
    started = time.monotonic()
    data = Path(os.environ.get("ONBOARDING_DATA_DIR", ".data")).resolve()
    data.mkdir(parents=True, exist_ok=True)
    try:
        return asyncio.run(run(data, started))
    except CannotStart as reason:
        print(f"The dev run cannot start: {reason}.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
