"""SMTP sessions kept open between emails: each email then costs one mail transaction,
not a connection, greeting and goodbye of its own."""

from __future__ import annotations

import contextlib
import time

import aiosmtplib
from opentelemetry import trace

from activities.mail.mime import Outgoing

# No standard instrumentation covers SMTP: one span of ours per email, without its address.
tracer = trace.get_tracer(__name__)


async def _transact(session: aiosmtplib.SMTP, message: Outgoing) -> None:
    options = ["SMTPUTF8"] if message.smtputf8 else []
    # No timeout of the client's own: the caller bounds the whole send by the time it has to
    # hear the answer and record it. A fixed per-command timeout would give up on a busy
    # server that took the email and answered late, and the email would be sent again.
    await session.sendmail(
        message.sender, [message.recipient], message.data, mail_options=options, timeout=None
    )


class SmtpSessions:
    def __init__(
        self, host: str, port: int, timeout: float, *, keep: int = 8, max_idle: float = 30.0
    ) -> None:
        """Keep up to `keep` idle sessions, none longer than `max_idle` seconds; `timeout`
        bounds connecting and the server's greeting.

        Servers drop idle clients after a while (minutes, usually); a session idle past
        `max_idle` is closed rather than tried.
        """
        self._host, self._port, self._timeout = host, port, timeout
        self._keep, self._max_idle = keep, max_idle
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._closed = False

    async def send(self, message: Outgoing) -> None:
        attributes: dict[str, str | int] = {"server.address": self._host, "server.port": self._port}
        with tracer.start_as_current_span(
            "SMTP send", kind=trace.SpanKind.CLIENT, attributes=attributes
        ):
            await self._send(message)

    async def _send(self, message: Outgoing) -> None:
        session = self._take_idle()
        if session is not None:
            try:
                await _transact(session, message)
            except aiosmtplib.SMTPServerDisconnected:
                # The server closed the idle session before taking the mail: open a new one.
                session.close()
            except BaseException:
                session.close()
                raise
            else:
                self._put_back(session)
                return
        session = aiosmtplib.SMTP(hostname=self._host, port=self._port, timeout=self._timeout)
        try:
            await session.connect()
            await _transact(session, message)
        except BaseException:
            session.close()
            raise
        self._put_back(session)

    async def close(self) -> None:
        """Say goodbye on every idle session; one a send still under way brings back later is
        closed then."""
        self._closed = True
        idle, self._idle = self._idle, []
        for session, _ in idle:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await session.quit()
            session.close()

    def _take_idle(self) -> aiosmtplib.SMTP | None:
        now = time.monotonic()
        while self._idle:
            session, since = self._idle.pop()
            if session.is_connected and now - since < self._max_idle:
                return session
            session.close()
        return None

    def _put_back(self, session: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self._keep and not self._closed:
            self._idle.append((session, time.monotonic()))
        else:
            session.close()
