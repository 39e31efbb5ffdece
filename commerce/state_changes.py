"""Wakes the reads that wait for an onboarding's next published state.

One connection per process listens on the channel that publishing announces on; a read
registers before it looks at the state, so an announcement between its look and its wait
is not missed. Announcements only hasten a read: it looks again every `RECHECK` seconds
anyway, so a lost listener (PostgreSQL restarted, say) costs latency, never an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg

from commerce.onboarding_states import CHANNEL

RECHECK = 1.0
CONNECT_TIMEOUT = 2.0
# After a failed attempt to listen, reads go without for this long rather than each one
# waiting for a connection that is likely to fail again.
RETRY_LISTEN_AFTER = 10.0

log = logging.getLogger("commerce.state_changes")


class StateChanges:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._conn: asyncpg.Connection | None = None
        self._connecting = asyncio.Lock()
        self._retry_at = 0.0

    @contextlib.asynccontextmanager
    async def watch(self, reference: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever a new state of the onboarding is announced; look at the
        state inside the block, after entering it."""
        await self._listen()
        event = asyncio.Event()
        self._waiting.setdefault(reference, set()).add(event)
        try:
            yield event
        finally:
            events = self._waiting.get(reference, set())
            events.discard(event)
            if not events:
                self._waiting.pop(reference, None)

    async def _listen(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        loop = asyncio.get_running_loop()
        async with self._connecting:
            if self._conn is not None and not self._conn.is_closed():
                return
            if loop.time() < self._retry_at:
                return
            try:
                conn = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT)
                await conn.add_listener(CHANNEL, self._announced)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                # The waiting read still looks again every RECHECK seconds.
                log.warning("not listening for published states: %r", err)
                self._retry_at = loop.time() + RETRY_LISTEN_AFTER
                return
            conn.add_termination_listener(self._lost)
            self._conn = conn

    def _announced(self, _conn: object, _pid: int, _channel: str, reference: object) -> None:
        for event in self._waiting.get(str(reference), ()):
            event.set()

    def _lost(self, conn: object) -> None:
        if conn is self._conn:
            self._conn = None
        # Whoever waits looks again now rather than at its next recheck.
        for events in self._waiting.values():
            for event in events:
                event.set()

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, asyncpg.InterfaceError):
                await self._conn.close(timeout=CONNECT_TIMEOUT)
            self._conn = None
