"""Free ports for servers that bind them a moment later.

A port asked of the system (`bind` to port 0) comes from the range the system also gives
every outgoing connection its local port from. Between the ask and the server's bind, one
of the many connections a test run or a benchmark opens can take it, and the server fails
with "address already in use". Ports are picked below that range instead, where only
another pick can land.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from devstack.claims import is_free

# Below this, ports are well known or registered to common servers.
LOWEST = 10_000
# Linux's start of the range when it cannot be read; macOS and Windows begin higher.
EPHEMERAL_START = 32_768
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_start() -> int:
    try:
        start = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return EPHEMERAL_START
    # A system whose range starts low leaves no room below it: then any free port will do.
    return start if start > LOWEST + 1_000 else 65_536


def free_ports(count: int) -> list[int]:
    """`count` different ports that nothing listens on now."""
    end = _ephemeral_start()
    found: list[int] = []
    for _ in range(100 * count):
        # Not the `random` module: a test run seeds it alike in every process, which would
        # then all pick the same ports.
        port = LOWEST + secrets.randbelow(end - LOWEST)
        if port not in found and is_free(port):
            found.append(port)
            if len(found) == count:
                return found
    raise RuntimeError(f"no {count} free ports between {LOWEST} and {end}")


def free_port() -> int:
    """A port that nothing listens on now."""
    return free_ports(1)[0]
