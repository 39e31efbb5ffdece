"""The authorization benchmark's lean storefront client (bench/storefront_http.py), against a
server of canned answers: it reads each answer whole, reuses a kept-alive connection, and
fails an exchange clearly instead of hanging or reading a wrong answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from bench import storefront_http
from bench.storefront_http import HttpError, Storefront

ANSWER = b'{"status":"approved"}'
Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], "asyncio.Future[None] | object"]


async def _request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length"))
    return head + await reader.readexactly(length)


@contextlib.asynccontextmanager
async def canned_server(handle: Serve) -> AsyncIterator[tuple[int, list[int]]]:
    """A local server calling `handle` for each connection; its port and the connections'
    numbers, in the order they came."""
    connections: list[int] = []

    async def each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections) + 1)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await handle(reader, writer)  # type: ignore[misc]
        writer.close()

    server = await asyncio.start_server(each, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], connections
    finally:
        server.close()


async def fails_with(handle: Serve, message: str) -> None:
    """A POST to a server answering with `handle` fails with an HttpError saying `message`."""
    async with canned_server(handle) as (port, _):
        client = Storefront("127.0.0.1", port, "token")
        with pytest.raises(HttpError, match=message):
            await client.post("/orders", b"{}")
        client.close()


async def answer_in_pieces(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        await _request(reader)
        whole = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
        for piece in (whole[:9], whole[9:30], whole[30:]):
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0)


async def test_an_answer_in_pieces_is_read_whole_on_one_kept_alive_connection() -> None:
    """Two POSTs get their status and body, over the one connection kept alive."""
    async with canned_server(answer_in_pieces) as (port, connections):
        client = Storefront("127.0.0.1", port, "token-1")
        first = await client.post("/orders", b"{}")
        second = await client.post("/orders", b"{}")
        client.close()
    assert (first, second, connections) == ((200, ANSWER), (200, ANSWER), [1])


async def test_a_connection_the_server_closed_is_not_used_again() -> None:
    """After the server closes an idle connection, the next POST opens a new one."""

    async def one_answer_then_close(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()

    async with canned_server(one_answer_then_close) as (port, connections):
        client = Storefront("127.0.0.1", port, "token-2")
        first = await client.post("/orders", b"{}")
        async with asyncio.timeout(5):
            await client.idle_closed()
        second = await client.post("/orders", b"{}")
        client.close()
    assert (first, second, connections) == ((409, b"{}"), (409, b"{}"), [1, 2])


async def test_no_answer_in_time_is_an_http_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that takes the request and never answers fails the POST, not hangs it."""
    monkeypatch.setattr(storefront_http, "ANSWER_SECONDS", 0.2)

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        await reader.read()

    await fails_with(silent, "no answer in time")


async def test_an_answer_without_a_length_is_an_http_error() -> None:
    """An answer whose end cannot be told (no Content-Length) fails the POST clearly."""

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        await writer.drain()
        await reader.read()

    await fails_with(chunked, "without Content-Length")
