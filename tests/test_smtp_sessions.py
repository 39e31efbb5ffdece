"""Emails share open SMTP sessions, and a session the server dropped costs no email."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import aiosmtplib
import pytest
import pytest_asyncio

from activities.mail.mime import Outgoing, compose
from activities.mail.smtp import SmtpSessions
from devstack.smtp import SmtpSink


def message(to: str) -> Outgoing:
    return compose(
        sender="noreply@shop.example", sender_name="Shop", to=to, subject="パートナー登録",
        message_id=f"<{uuid.uuid4().hex}@shop.example>", text="本文", html="<p>本文</p>",
    )  # fmt: skip


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    own = SmtpSink()
    own.start()
    yield own
    own.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def sessions(sink: SmtpSink) -> AsyncIterator[SmtpSessions]:
    kept = SmtpSessions("127.0.0.1", sink.port, timeout=5)
    yield kept
    await kept.close()


async def test_emails_in_a_row_each_arrive_once(sink: SmtpSink, sessions: SmtpSessions) -> None:
    """Three emails over kept sessions arrive once each, in order."""
    sent = [message(f"to-{i}@example.com") for i in range(3)]
    for email in sent:
        await sessions.send(email)
    assert [m["To"] for m in sink.messages()] == [m.recipient for m in sent]


async def test_a_session_dropped_by_a_server_restart_is_replaced(
    sink: SmtpSink, sessions: SmtpSessions
) -> None:
    """After the SMTP server restarts, the next email goes out once on a new session."""
    await sessions.send(message("before@example.com"))
    sink.stop()
    sink.start()
    await sessions.send(message("after@example.com"))
    assert [m["To"] for m in sink.messages()] == ["before@example.com", "after@example.com"]


async def test_a_server_that_is_down_fails_the_send(sink: SmtpSink, sessions: SmtpSessions) -> None:
    """With the server gone the send fails (for the activity to retry) and delivers nothing."""
    await sessions.send(message("kept@example.com"))
    sink.stop()
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await sessions.send(message("lost@example.com"))
    assert [m["To"] for m in sink.messages()] == ["kept@example.com"]
