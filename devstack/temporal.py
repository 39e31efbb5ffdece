"""The Temporal dev server (`temporal server start-dev`) as a child process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import socket
import subprocess
import time
from pathlib import Path

from temporalio.client import Client

from devstack.binaries import executable
from devstack.lifetime import PidFile, ending_with_parent
from devstack.ports import free_port

SEARCH_ATTRIBUTES = {"OnboardingStatus": "Keyword", "CompanyName": "Keyword"}


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"temporal dev server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"temporal dev server did not listen on {port}")


async def _until_healthy(address: str) -> None:
    """The frontend opens its port a moment before it answers its health check; a client
    connecting in between is refused ("not healthy yet"), so wait that gap out here."""
    while True:
        try:
            await Client.connect(address)
            return
        except RuntimeError as err:
            if "not healthy" not in str(err):
                raise
        await asyncio.sleep(0.1)


def _wait_for_health(address: str, timeout: float = 60) -> None:
    # A loop of its own, on a thread of its own: callers may be sync code inside a running loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = asyncio.wait_for(_until_healthy(address), timeout)
        pool.submit(asyncio.run, waiting).result()


class TemporalDevServer:
    def __init__(
        self,
        db_file: Path,
        *,
        port: int | None = None,
        ui_port: int | None = None,
        codec_endpoint: str | None = None,
        log_file: Path | None = None,
        metrics_port: int | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port or free_port()
        self.ui_port = ui_port
        self.codec_endpoint = codec_endpoint
        self.metrics_port = metrics_port
        self.log_file = log_file or db_file.with_suffix(".log")
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid_file = PidFile(db_file.with_suffix(".pid"))

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [executable("temporal"), "server", "start-dev", "--ip", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--db-filename", str(self.db_file)]
        # WAL makes the SQLite store several times faster under load.
        cmd += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
        cmd += ["--log-level", "warn"]
        if self.metrics_port:
            # Prometheus text on /metrics, its `action` counter among them.
            cmd += ["--metrics-port", str(self.metrics_port)]
        for name, kind in SEARCH_ATTRIBUTES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        if self.ui_port:
            cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
            if self.codec_endpoint:
                cmd += ["--ui-codec-endpoint", self.codec_endpoint]
        else:
            cmd += ["--headless"]
        return cmd

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the server without waiting for it; it ends when the calling thread ends
        (Linux), and its pid is kept beside the database for the next start to find."""
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C in the terminal is for the dev run to handle.
                start_new_session=True,
                preexec_fn=ending_with_parent(signal.SIGTERM),
            )
        self._pid_file.record(self._proc.pid)

    def wait_ready(self) -> None:
        assert self._proc is not None, "launch() first"
        _wait_for_port(self.port, self._proc)
        _wait_for_health(self.address)

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._pid_file.clear(self._proc.pid)

    def stop_leftover(self) -> int | None:
        """Stop a server that an earlier start on this database left running (its starter
        was killed); its pid if there was one."""
        if self._proc is not None and self._proc.poll() is None:
            return None
        return self._pid_file.stop_leftover(signal.SIGTERM)
