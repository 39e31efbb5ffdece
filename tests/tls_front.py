"""A TLS-terminating front that demands a client certificate of the test's CA, before a
plain-TCP Temporal dev server: what a self-hosted cluster with mutual TLS looks like."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator

from tests.tls_certs import Pki


def _front_context(pki: Pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca_cert))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(pki.server.cert, pki.server.key)
    # gRPC clients insist on HTTP/2 being agreed in the handshake.
    context.set_alpn_protocols(["h2"])
    return context


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@contextlib.asynccontextmanager
async def mutual_tls_front(pki: Pki, backend: str) -> AsyncIterator[str]:
    """Serve on a free loopback port; yields the front's host:port."""
    host, port = backend.rsplit(":", 1)
    pipes: set[asyncio.Task[None]] = set()

    async def relay(client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        server_in, server_out = await asyncio.open_connection(host, int(port))
        for task in (_pipe(client_in, server_out), _pipe(server_in, client_out)):
            pipes.add(asyncio.create_task(task))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=_front_context(pki))
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)
        await server.wait_closed()
