"""Servers that end with the process that started them, and the leftovers of one that did not.

A process killed outright (SIGKILL, a closed terminal) cannot stop its children. On Linux
the kernel does it: each child asks for a signal when its parent dies. Elsewhere, or for
the moment such a signal takes to work, the next start finds what the last one left behind
from the pid it recorded, and stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

# From <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1


def ending_with_parent(stop_signal: signal.Signals) -> Callable[[], None] | None:
    """A `preexec_fn` by which the child gets `stop_signal` once its parent is gone (Linux).

    The kernel sends it when the *thread* that started the child ends, so start servers
    from a thread that outlives them (the main thread, or an executor's). None elsewhere.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def arm() -> None:
        # Runs in the forked child before exec, so it does as little as it can.
        prctl(_PR_SET_PDEATHSIG, int(stop_signal), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)

    return arm


def started_at(pid: int) -> str | None:
    """When process `pid` started, in the system's own terms; None when it does not run.

    Together with the pid this names one process: a pid the system gave again to another
    process after ours ended comes with another start time.
    """
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            return None
        # fields[0] is the state (Z: ended, not yet reaped); fields[19] the start time.
        return None if fields[0] in ("Z", "X") else fields[19]
    found = subprocess.run(
        ["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or None


def command_line(pid: int) -> str:
    """The arguments process `pid` runs with, joined by spaces; "" when it does not run."""
    if Path("/proc/self/cmdline").exists():
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return ""
        return b" ".join(arguments).decode(errors="replace").strip()
    found = subprocess.run(
        ["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return found.stdout.strip()


def stop_process(pid: int, stop_signal: signal.Signals, within: float = 20) -> None:
    """Send `stop_signal`; if the process still runs after `within` seconds, SIGKILL it."""
    started = started_at(pid)
    for sig, wait in ((stop_signal, within), (signal.SIGKILL, 10.0)):
        if started is None or started_at(pid) != started:
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while started_at(pid) == started and time.monotonic() < deadline:
            time.sleep(0.05)
    if started_at(pid) == started:
        raise RuntimeError(f"process {pid} did not end on SIGKILL")


class PidFile:
    """Which process a server of ours runs as, kept in its data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, pid: int) -> None:
        self.path.write_text(f"{pid} {started_at(pid) or ''}\n")

    def clear(self, pid: int) -> None:
        """Forget `pid`; a file that names another process (a later start's) is kept."""
        with contextlib.suppress(OSError, ValueError):
            if int(self.path.read_text().split()[0]) == pid:
                self.path.unlink()

    def running(self) -> int | None:
        """The recorded process if it still runs (and is the same process), else None."""
        try:
            pid_text, _, started = self.path.read_text().strip().partition(" ")
            pid = int(pid_text)
        except (OSError, ValueError):
            return None
        return pid if started and started_at(pid) == started else None

    def stop_leftover(self, stop_signal: signal.Signals) -> int | None:
        """Stop the recorded process if it still runs; its pid if there was one."""
        pid = self.running()
        if pid is not None:
            stop_process(pid, stop_signal)
        self.path.unlink(missing_ok=True)
        return pid


@contextlib.asynccontextmanager
async def python_module(
    module: str, env: dict[str, str], log_file: Path, pid_file: PidFile
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m module` as a child that ends with us, its pid in `pid_file` while it runs;
    on leaving, SIGTERM, and SIGKILL if it has not ended 20 s later."""
    with log_file.open("ab") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            env=env,
            stdout=log,
            stderr=log,
            preexec_fn=ending_with_parent(signal.SIGTERM),
        )
    pid_file.record(proc.pid)
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
        pid_file.clear(proc.pid)
