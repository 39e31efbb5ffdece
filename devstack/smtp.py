"""An SMTP sink (aiosmtpd) that keeps every message it receives, for tests and the dev run."""

from __future__ import annotations

import mailbox
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from devstack.ports import free_port


class _Mailbox:
    def __init__(self, maildir: Path | None) -> None:
        self._lock = threading.Lock()
        self._raw: list[bytes] = []
        self._messages: list[EmailMessage] = []
        self.arrivals: dict[str, float] = {}
        self._maildir = mailbox.Maildir(maildir) if maildir else None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Only the headers now: a full parse is left to whoever reads the messages, so a
        # busy sink costs its senders little.
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        with self._lock:
            self._raw.append(envelope.original_content)
            self.arrivals.setdefault(str(headers["Message-ID"]).strip(), time.monotonic())
            if self._maildir is not None:
                self._maildir.add(envelope.original_content)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            for raw in self._raw[len(self._messages) :]:
                message = message_from_bytes(raw, policy=policy.default)
                assert isinstance(message, EmailMessage)
                self._messages.append(message)
            return list(self._messages)


class SmtpSink:
    def __init__(self, port: int | None = None, maildir: Path | None = None) -> None:
        """Messages are kept in memory, and in `maildir` too when given (kept between runs)."""
        self.port = port or free_port()
        self._mailbox = _Mailbox(maildir)
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen; after a stop, listens again on the same port with the same mailbox."""
        self._controller = Controller(self._mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        return self._mailbox.messages()

    def arrived_at(self, message_id: str) -> float | None:
        """When (time.monotonic) the first message with this Message-ID arrived."""
        return self._mailbox.arrivals.get(message_id)

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]
