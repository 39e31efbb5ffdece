"""The benchmark's storefront: HTTP/1.1 POSTs over kept-alive connections, written and read
with as little work as the protocol allows.

The driver shares the two cores with the app it measures, while a real storefront calls from
its own machine. A general client (aiohttp) spent about half a millisecond of CPU on each
authorization, a sixth of the whole, taken from the web app and PostgreSQL. Here a request is
one prepared header block and its body, and an answer is read by its Content-Length, which
the web app always sends for JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol, cast
from urllib.parse import urlsplit

import aiohttp

ANSWER_SECONDS = 10.0  # as long as the general client waited for an answer
HEAD_END = b"\r\n\r\n"


class Poster(Protocol):
    async def post(self, path: str, body: bytes) -> tuple[int, bytes]: ...


class HttpError(Exception):
    """The exchange failed: no answer in time, a closed connection, or an answer not read."""


class _Connection(asyncio.Protocol):
    """One kept-alive connection, one exchange at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._transport: asyncio.Transport | None = None
        self.open = False
        self.closed = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport's subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)
        self.open = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self.closed.set()
        self._fail(HttpError("the connection closed"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        answer = self._answer
        if answer is None or answer.done():
            return
        end = self._buffer.find(HEAD_END)
        if end < 0:
            return
        try:
            status, length = _status_and_length(bytes(self._buffer[:end]))
        except ValueError as err:
            self._fail(HttpError(str(err)))
            return
        whole = end + len(HEAD_END) + length
        if len(self._buffer) >= whole:
            body = bytes(self._buffer[end + len(HEAD_END) : whole])
            del self._buffer[:whole]
            answer.set_result((status, body))

    def _fail(self, err: HttpError) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(err)
        self.close()

    def close(self) -> None:
        self.open = False
        if self._transport is not None:
            self._transport.close()

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        assert self._transport is not None
        loop = asyncio.get_running_loop()
        if not self.open:
            raise HttpError("the connection closed")
        self._transport.write(request)
        answer: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self._answer = answer
        # A timer handle, not wait_for: no task per request.
        late = loop.call_later(ANSWER_SECONDS, self._fail, HttpError("no answer in time"))
        try:
            return await answer
        finally:
            late.cancel()


def _status_and_length(head: bytes) -> tuple[int, int]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {lines[0]!r}")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return int(parts[1]), int(value)
    raise ValueError("an answer without Content-Length")


class Storefront:
    """POSTs JSON to one web app with a bearer token, over a pool of kept-alive connections."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self._host, self._port = host, port
        self._head = (
            f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
        ).encode()
        self._idle: list[_Connection] = []

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """The answer's status and body; HttpError if there is none."""
        # The web app closes a connection left idle for a few seconds.
        while self._idle and not self._idle[-1].open:
            self._idle.pop()
        connection = self._idle.pop() if self._idle else await self._connect()
        request = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            path.encode(),
            self._head,
            len(body),
            body,
        )
        try:
            answer = await connection.exchange(request)
        except BaseException:
            connection.close()
            raise
        if connection.open:
            self._idle.append(connection)
        return answer

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, self._host, self._port)
        except OSError as err:
            raise HttpError(f"cannot connect: {err}") from err
        return connection

    async def idle_closed(self) -> None:
        """Until every idle connection is closed (by the server, after its keep-alive)."""
        await asyncio.gather(*(connection.closed.wait() for connection in self._idle))

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()


class GeneralStorefront:
    """The same POSTs through aiohttp, the client the benchmark used before: `--client
    general` measures what the lean one saves, in the same run."""

    def __init__(self, http: aiohttp.ClientSession, token: str) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        try:
            async with self._http.post(path, data=body, headers=self._headers) as response:
                return response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise HttpError(type(err).__name__) from err


@contextlib.asynccontextmanager
async def storefront(url: str, token: str, general: bool = False) -> AsyncIterator[Poster]:
    """The lean client, or with `general` aiohttp, for the web app at `url`."""
    if general:
        connector = aiohttp.TCPConnector(limit=100)
        timeout = aiohttp.ClientTimeout(total=ANSWER_SECONDS)
        async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as http:
            yield GeneralStorefront(http, token)
        return
    parts = urlsplit(url)
    client = Storefront(parts.hostname or "127.0.0.1", parts.port or 80, token)
    try:
        yield client
    finally:
        client.close()
