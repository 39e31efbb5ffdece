"""One command for the whole system on embedded servers: `scripts/run`.

Every server whose address is set in the environment (SPEC.md, "Interfaces") is used as it
is; the others are started here, with their data under .data/ so a second run resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import uvicorn

from devstack.mailbox_page import mailbox_app
from devstack.postgres import EmbeddedPostgres
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer

TEMPORAL_PORT, TEMPORAL_UI_PORT = 7233, 8233
POSTGRES_PORT = 55432
DEV_STAFF_EMAIL = "staff@shop.example"
DEV_STAFF_NAME = "Dev Staff"
SMTP_PORT, MAILBOX_PORT = 1025, 8025


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
        self.env = dict(os.environ)
        self.urls: dict[str, str] = {}
        self._stops: list[Callable[[], object]] = []

    async def start_servers(self) -> None:
        env = self.env
        if not env.get("TEMPORAL_ADDRESS"):
            web_port = env.get("ONBOARDING_HTTP_PORT", "8000")
            temporal = TemporalDevServer(
                self.data / "temporal.db",
                port=TEMPORAL_PORT,
                ui_port=TEMPORAL_UI_PORT,
                codec_endpoint=f"http://localhost:{web_port}/codec",
            )
            await asyncio.to_thread(temporal.start)
            self._stops.append(temporal.stop)
            env["TEMPORAL_ADDRESS"] = temporal.address
            self.urls["Temporal UI"] = f"http://localhost:{TEMPORAL_UI_PORT}"
            env.setdefault("ONBOARDING_TEMPORAL_UI_URL", self.urls["Temporal UI"])
        if not (env.get("COMMERCE_DATABASE_URL") and env.get("SALES_DATABASE_URL")):
            postgres = EmbeddedPostgres(self.data / "postgres", port=POSTGRES_PORT)
            await asyncio.to_thread(postgres.start)
            self._stops.append(postgres.stop)
            env.setdefault("COMMERCE_DATABASE_URL", postgres.url("commerce"))
            env.setdefault("SALES_DATABASE_URL", postgres.url("sales"))
            self.urls["PostgreSQL"] = postgres.url("commerce")
        if not env.get("SMTP_HOST"):
            sink = SmtpSink(port=SMTP_PORT, maildir=self.data / "mailbox")
            sink.start()
            self._stops.append(sink.stop)
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(SMTP_PORT))
            await self._serve_mailbox()
        env["ONBOARDING_STAFF_TOKEN"] = staff_token(self.data)
        port = env.setdefault("ONBOARDING_HTTP_PORT", "8000")
        env.setdefault("ONBOARDING_STORE_URL", f"http://localhost:{port}")
        self.urls["B2B site"] = f"http://localhost:{port}/"
        self.urls["Sales console"] = f"http://localhost:{port}/sales/leads"
        self.urls["Commerce back office"] = f"http://localhost:{port}/commerce/prospects"
        self.urls["API docs"] = f"http://localhost:{port}/docs"

    async def _serve_mailbox(self) -> None:
        server = uvicorn.Server(
            uvicorn.Config(
                mailbox_app(self.data / "mailbox"), host="127.0.0.1", port=MAILBOX_PORT,
                log_level="warning",
            )
        )  # fmt: skip
        task = asyncio.create_task(server.serve())

        async def stop() -> None:
            server.should_exit = True
            await task

        self._stops.append(stop)
        self.urls["Mailbox"] = f"http://localhost:{MAILBOX_PORT}/"

    @contextlib.asynccontextmanager
    async def process(self, name: str, module: str) -> AsyncIterator[asyncio.subprocess.Process]:
        log = (self.data / f"{name}.log").open("ab")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, env=self.env, stdout=log, stderr=log
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), timeout=20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
            log.close()

    async def add_dev_staff(self) -> None:
        """One staff account for the dev run, through the same command operators use; it
        prints the one-time link that sets the account's password."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "starter", "staff", "add", DEV_STAFF_EMAIL, DEV_STAFF_NAME,
            env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
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
        await stack.start_servers()
        async with (
            stack.process("worker", "workers") as worker,
            stack.process("web", "starter") as web,
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
    return asyncio.run(run(data, started))


if __name__ == "__main__":
    sys.exit(main())
