"""What the dev run claims before it starts a server: its data folder, then its ports."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import IO


class CannotStart(Exception):
    """Why the dev run cannot start, in one line for the console."""


def claim_data_folder(data: Path) -> IO[str]:
    """Hold `data` for this run until the returned file is closed or the process ends.

    The system lets the lock go with the process however it ends, so a held lock means
    another run is alive, and servers recorded in a free folder are leftovers.
    """
    lock = (data / "run.lock").open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "?"
        lock.close()
        raise CannotStart(
            f"another dev run (pid {holder}) uses {data}; stop it first,"
            " or set ONBOARDING_DATA_DIR to another folder"
        ) from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def port_number(variable: str, value: str) -> int:
    if value.isdigit() and int(value) < 65536:
        return int(value)
    raise CannotStart(f"{variable} must be a port number, not {value!r}")


def is_free(port: int) -> bool:
    """Whether a server could listen on `port` now."""
    with socket.socket() as sock:
        # As the servers do: a port whose last connections are closing can be taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def claim_ports(ports: Mapping[str, int]) -> None:
    """Each port (by the variable that sets it) is free, or CannotStart names those taken."""
    taken = [
        f"port {port} is in use by another program (set {variable} to a free port)"
        for variable, port in ports.items()
        if not is_free(port)
    ]
    if taken:
        raise CannotStart("; ".join(taken))
