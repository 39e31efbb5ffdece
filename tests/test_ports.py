"""Ports picked for servers started a moment later: outside the range of client connections."""

from __future__ import annotations

import socket

from devstack.ports import EPHEMERAL_RANGE, LOWEST, free_ports


def test_picked_ports_lie_below_the_range_outgoing_connections_use() -> None:
    """No client connection's local port can take a picked port before its server binds it."""
    start = int(EPHEMERAL_RANGE.read_text().split()[0])
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        outgoing = client.getsockname()[1]
        client.close()
    assert outgoing >= start
    assert all(LOWEST <= port < start for port in free_ports(50))


def test_picked_ports_are_different_and_free() -> None:
    """Each of the ports asked for at once can be listened on, and no two are the same."""
    ports = free_ports(20)
    assert len(set(ports)) == 20
    for port in ports:
        with socket.create_server(("127.0.0.1", port)):
            pass
