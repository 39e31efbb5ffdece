"""The Temporal dev server (`temporal server start-dev`) as a child process."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from devstack.binaries import executable
from devstack.postgres import free_port

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


class TemporalDevServer:
    def __init__(
        self,
        db_file: Path,
        *,
        port: int | None = None,
        ui_port: int | None = None,
        codec_endpoint: str | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port or free_port()
        self.ui_port = ui_port
        self.codec_endpoint = codec_endpoint
        self.log_file = log_file or db_file.with_suffix(".log")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            executable("temporal"), "server", "start-dev",
            "--ip", "127.0.0.1", "--port", str(self.port),
            "--db-filename", str(self.db_file),
            # WAL makes the SQLite store several times faster under load.
            "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
            "--log-level", "warn",
        ]  # fmt: skip
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
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        _wait_for_port(self.port, self._proc)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
