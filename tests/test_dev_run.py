"""The dev run (`python -m devstack.run`) after an unclean stop: nothing of a killed run lives
on, the next run in the same data folder comes up, and what stops a run is said in one line."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from devstack.claims import claim_data_folder
from devstack.lifetime import PidFile, started_at
from devstack.ports import free_ports
from devstack.postgres import EmbeddedPostgres
from devstack.run import DEV_PORTS
from devstack.temporal import TemporalDevServer

# Each test runs the dev run's processes: half a minute or more, so they start early.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
UP = "Ctrl-C stops everything."
# Addresses that would make the dev run use a server of the caller's instead of its own.
OWN_SERVERS = ("TEMPORAL_ADDRESS", "COMMERCE_DATABASE_URL", "SALES_DATABASE_URL", "SMTP_HOST")
Process = tuple[int, str]  # a pid and its start time: one process, even if the pid comes again


def dev_env(data: Path) -> dict[str, str]:
    """Every port free and of this test alone, so it runs beside other tests and a dev run."""
    env = {name: value for name, value in os.environ.items() if name not in OWN_SERVERS}
    env.update(zip(DEV_PORTS, map(str, free_ports(len(DEV_PORTS))), strict=True))
    env.update(ONBOARDING_METRICS_PORT="0", ONBOARDING_DATA_DIR=str(data))
    return env


class DevRun:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output = ""

    @classmethod
    async def start(cls, env: dict[str, str]) -> DevRun:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "devstack.run",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(proc)

    async def wait_up(self, within: float = 90) -> str:
        """Its output once it says it is up; fails with the output if it ends first."""
        assert self.proc.stdout is not None
        try:
            async with asyncio.timeout(within):
                while UP not in self.output:
                    line = await self.proc.stdout.readline()
                    assert line, f"the dev run ended before it was up:\n{self.output}"
                    self.output += line.decode(errors="replace")
        except TimeoutError:
            raise AssertionError(f"the dev run was not up in {within} s:\n{self.output}") from None
        return self.output

    async def ended(self, within: float = 60) -> tuple[int, str]:
        """Its exit status and its whole output."""
        rest, _ = await asyncio.wait_for(self.proc.communicate(), timeout=within)
        return await self.proc.wait(), self.output + rest.decode(errors="replace")

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=60)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


StartDevRun = Callable[[dict[str, str]], Awaitable[DevRun]]


@pytest.fixture
def data() -> Iterator[Path]:
    """A data folder for a run, outside pytest's own folder: PostgreSQL runs as another user
    when we are root, and a pytest session starting meanwhile makes that folder private."""
    with tempfile.TemporaryDirectory(prefix="dev-run-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


@pytest_asyncio.fixture
async def start_dev_run() -> AsyncIterator[StartDevRun]:
    """Starts dev runs, each stopped at the end of the test if it still runs."""
    runs: list[DevRun] = []

    async def start(env: dict[str, str]) -> DevRun:
        runs.append(await DevRun.start(env))
        return runs[-1]

    yield start
    for run in runs:
        await run.stop()


def descendants(pid: int) -> set[Process]:
    """The processes below `pid`: its children, theirs, and so on."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    below = {pid}
    while below:
        below = {child for child, parent in parents.items() if parent in below} - found
        found |= below
    return {(child, started) for child in found if (started := started_at(child)) is not None}


def running(processes: Iterable[Process]) -> set[Process]:
    return {(pid, started) for pid, started in processes if started_at(pid) == started}


async def until_ended(processes: set[Process], within: float = 30) -> set[Process]:
    """The processes still running once all have ended or `within` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (still := running(processes)) and loop.time() < deadline:  # noqa: ASYNC110
        # No event tells of the end of a process that is not our child.
        await asyncio.sleep(0.1)
    return still


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes in /proc")
async def test_a_run_killed_outright_leaves_nothing_and_the_next_run_comes_up(
    data: Path, start_dev_run: StartDevRun
) -> None:
    """After SIGKILL, a run in the same folder comes up and nothing of the killed run lives on."""
    env = dev_env(data)
    first = await start_dev_run(env)
    await first.wait_up()
    # PostgreSQL too, should it run detached from the run.
    postmaster = EmbeddedPostgres(data / "postgres").pid()
    assert postmaster is not None
    left = descendants(first.proc.pid) | {(postmaster, started_at(postmaster) or "")}
    try:
        first.proc.kill()
        await first.proc.wait()
        second = await start_dev_run(env)
        await second.wait_up()
        assert await until_ended(left) == set()
    finally:
        for pid, _ in running(left):
            os.kill(pid, signal.SIGKILL)


async def test_a_run_stops_the_servers_an_earlier_run_left_in_its_data_folder(
    data: Path, start_dev_run: StartDevRun
) -> None:
    """Servers a killed run left on the folder are stopped, each said in a line, ports reused."""
    env = dev_env(data)
    temporal = TemporalDevServer(
        data / "temporal.db", port=int(env["ONBOARDING_DEV_TEMPORAL_PORT"])
    )
    postgres = EmbeddedPostgres(data / "postgres", port=int(env["ONBOARDING_DEV_POSTGRES_PORT"]))
    try:
        await asyncio.to_thread(temporal.start)
        await asyncio.to_thread(postgres.start)
        temporal_pid, postgres_pid = temporal.pid or 0, postgres.pid() or 0
        left = {(pid, started_at(pid) or "") for pid in (temporal_pid, postgres_pid)}
        run = await start_dev_run(env)
        output = await run.wait_up()
        assert f"Stopped the Temporal dev server (pid {temporal_pid})" in output
        assert f"Stopped PostgreSQL (pid {postgres_pid})" in output
        assert running(left) == set()
    finally:  # each stops only a server it started, if it still runs
        await asyncio.to_thread(temporal.stop)
        await asyncio.to_thread(postgres.stop)


async def test_a_port_taken_by_another_program_is_named_with_its_variable(
    data: Path, start_dev_run: StartDevRun
) -> None:
    """A port another program holds stops the run with one line naming it and its variable."""
    env = dev_env(data)
    port = int(env["ONBOARDING_DEV_POSTGRES_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        status, output = await (await start_dev_run(env)).ended()
    assert status == 1
    assert output.strip().splitlines() == [
        f"The dev run cannot start: port {port} is in use by another program"
        " (set ONBOARDING_DEV_POSTGRES_PORT to a free port)."
    ]


async def test_a_second_run_on_a_data_folder_in_use_is_refused_in_one_line(
    data: Path, start_dev_run: StartDevRun
) -> None:
    """While a run holds its data folder, another run there stops at once with one line."""
    with claim_data_folder(data):
        status, output = await (await start_dev_run(dev_env(data))).ended()
    assert status == 1
    assert output.strip().splitlines() == [
        f"The dev run cannot start: another dev run (pid {os.getpid()}) uses {data};"
        " stop it first, or set ONBOARDING_DATA_DIR to another folder."
    ]


async def test_a_pid_file_stops_the_process_it_recorded(tmp_path: Path) -> None:
    """A recorded process that still runs is stopped, and its pid given back."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(300)"
    )
    pid_file = PidFile(tmp_path / "sleeper.pid")
    pid_file.record(proc.pid)
    try:
        assert await asyncio.to_thread(pid_file.stop_leftover, signal.SIGTERM) == proc.pid
        assert await asyncio.wait_for(proc.wait(), timeout=10) == -signal.SIGTERM
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_a_pid_file_leaves_alone_a_process_that_got_its_pid_again(tmp_path: Path) -> None:
    """A pid the system gave to another process names no leftover: the start times differ."""
    pid_file = tmp_path / "ended.pid"
    pid_file.write_text(f"{os.getpid()} 1\n")
    assert PidFile(pid_file).stop_leftover(signal.SIGTERM) is None
