"""An email attempt hears the SMTP server's answer and records it before its time is up, so a
slow server or a short local call never makes an email go out twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from asyncpg.connection import Connection
from temporalio.exceptions import ApplicationError

from activities.mail import attempt
from activities.mail import beats as mail_beats
from activities.mail.sender import EmailActivities, MailSettings
from activities.models import EmailKind, SendEmailInput
from devstack.ports import free_port
from plumbing.stores import Stores
from tests import rows
from tests.attempt_envs import attempt_env
from tests.factories import unique_email

SMTP_TIMEOUT = 1.0


class LateAnswers:
    """An SMTP server that takes each email at once and answers `delay` seconds later, as a
    busy one does."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.taken: list[str] = []
        # Set once an email is taken (the server runs in a thread of its own).
        self.took = threading.Event()
        # When set, the answer waits for it as well (for half a minute at most).
        self.gate: threading.Event | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.taken.append(envelope.rcpt_tos[0])
        self.took.set()
        await asyncio.sleep(self.delay)
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> int:
        return self.taken.count(address)


@pytest.fixture
def server() -> Iterator[tuple[LateAnswers, int]]:
    handler, port = LateAnswers(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def email(stores: Stores, server: tuple[LateAnswers, int]) -> AsyncIterator[EmailActivities]:
    mail = MailSettings(
        smtp_host="127.0.0.1", smtp_port=server[1], sender="noreply@shop.example",
        store_name="Contoso B2B", store_url="https://shop.contoso.example",
        smtp_timeout=SMTP_TIMEOUT,
    )  # fmt: skip
    activities = EmailActivities(stores.commerce_store().outbox, mail)
    yield activities
    await activities.close()


def acknowledgement() -> SendEmailInput:
    return SendEmailInput(
        reference=f"B2B-{uuid.uuid4().hex[:16]}", kind=EmailKind.ACKNOWLEDGEMENT, locale="en",
        to=unique_email(), context={"first_name": "Aiko", "last_name": "Sato", "company": "Co"},
    )  # fmt: skip


def commits_refused(monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """Every commit fails, as with the store gone, until the first event is set ("the store is
    back"); the second is set at the first refusal."""
    store_back, refused = asyncio.Event(), asyncio.Event()
    real_execute = Connection.execute

    async def no_commit_until_back(self: Connection, query: str, *args: Any, **kw: Any) -> Any:
        if query.lstrip().startswith("COMMIT") and not store_back.is_set():
            refused.set()
            raise asyncpg.InternalClientError("the store went away")
        return await real_execute(self, query, *args, **kw)

    monkeypatch.setattr(Connection, "execute", no_commit_until_back)
    return store_back, refused


async def test_an_answer_later_than_the_smtp_timeout_sends_the_email_once(
    email: EmailActivities, server: tuple[LateAnswers, int], stores: Stores
) -> None:
    """The server takes the email and answers after the SMTP timeout: one copy, recorded."""
    late, data = server[0], acknowledgement()
    late.delay = 2 * SMTP_TIMEOUT
    outcomes: list[str] = []
    for _ in range(3):  # a failed attempt is retried, as Temporal would
        try:
            outcomes.append(await attempt_env().run(email.send_email, data))
            break
        except Exception as err:
            outcomes.append(repr(err))
    assert late.to(data.to) == 1, outcomes
    assert [r["sent"] for r in await rows.outbox(stores, data.reference)] == [True]
    assert outcomes == [await attempt_env().run(email.send_email, data)]
    assert late.to(data.to) == 1


async def test_a_late_local_attempt_sends_nothing_and_leaves_the_email_to_a_retry(
    email: EmailActivities, server: tuple[LateAnswers, int], stores: Stores
) -> None:
    """A local attempt with too little of its minute left fails unsent; the regular one sends."""
    late, data = server[0], acknowledgement()
    called = datetime.now(UTC) - timedelta(seconds=40)
    with pytest.raises(ApplicationError) as refused:
        await attempt_env(local=True, scheduled=called).run(email.send_email, data)
    assert refused.value.type == attempt.TOO_LATE
    assert not refused.value.non_retryable
    assert late.to(data.to) == 0
    assert await rows.outbox(stores, data.reference) == []
    await attempt_env().run(email.send_email, data)
    assert late.to(data.to) == 1


async def test_a_sent_email_unrecorded_ends_its_attempt_before_the_local_call_ends(
    email: EmailActivities,
    server: tuple[LateAnswers, int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sent, then no commit succeeds: the attempt gives up recording and completes before
    its call's end, where Temporal would cut it off and send the email again."""
    monkeypatch.setattr(attempt, "RECORD_RESERVE", 3.0)
    monkeypatch.setattr(attempt, "COMPLETION_MARGIN", 1.0)
    late, data = server[0], acknowledgement()
    left = 8.0
    called = datetime.now(UTC) - timedelta(minutes=1) + timedelta(seconds=left)
    commits_refused(monkeypatch)  # the store never comes back
    env = attempt_env(local=True, scheduled=called)
    with caplog.at_level(logging.ERROR, logger="activities.mail.sender"):
        # Temporal cancels a local attempt at its call's end.
        async with asyncio.timeout(left):
            sent = await env.run(email.send_email, data)
    assert sent == f"<{data.reference}.acknowledgement@shop.example>"
    assert late.to(data.to) == 1
    assert any("could not record" in r.getMessage() for r in caplog.records)


async def test_a_cancelled_attempt_still_records_the_email_its_server_took(
    email: EmailActivities, server: tuple[LateAnswers, int], stores: Stores
) -> None:
    """Cancelled while the server, having taken the email, answers late: the retry finds it
    recorded and sends nothing."""
    late, data = server[0], acknowledgement()
    late.delay = 2 * SMTP_TIMEOUT
    env = attempt_env()
    first = asyncio.create_task(env.run(email.send_email, data))
    assert await asyncio.to_thread(late.took.wait, 30)
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    again = await attempt_env().run(email.send_email, data)
    assert again == f"<{data.reference}.acknowledgement@shop.example>"
    assert late.to(data.to) == 1
    assert [r["sent"] for r in await rows.outbox(stores, data.reference)] == [True]


async def test_a_retry_during_a_store_outage_joins_the_send_still_recording(
    email: EmailActivities,
    server: tuple[LateAnswers, int],
    stores: Stores,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sent, the record failing until the store is back, the attempt cancelled: its retry
    sends nothing while the first still records, then finds the email recorded once."""
    late, data = server[0], acknowledgement()
    store_back, refused = commits_refused(monkeypatch)
    env = attempt_env()
    first = asyncio.create_task(env.run(email.send_email, data))
    await asyncio.wait_for(refused.wait(), 30)
    late.took.clear()
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    retry = asyncio.create_task(attempt_env().run(email.send_email, data))
    # A second send takes the server a moment at most; the store stays away meanwhile.
    sent_again = await asyncio.to_thread(late.took.wait, 2)
    store_back.set()
    assert await retry == f"<{data.reference}.acknowledgement@shop.example>"
    assert not sent_again
    assert late.to(data.to) == 1
    assert [r["sent"] for r in await rows.outbox(stores, data.reference)] == [True]


async def test_closing_waits_for_a_send_only_a_bounded_time(
    stores: Stores, server: tuple[LateAnswers, int], caplog: pytest.LogCaptureFixture
) -> None:
    """A worker stopping while a server is slow to answer closes anyway, and says so."""
    late, data = server[0], acknowledgement()
    late.delay = 3.0
    mail = MailSettings(
        smtp_host="127.0.0.1", smtp_port=server[1], sender="noreply@shop.example",
        store_name="Contoso B2B", store_url="https://shop.contoso.example",
    )  # fmt: skip
    email = EmailActivities(stores.commerce_store().outbox, mail)
    sending = asyncio.create_task(attempt_env().run(email.send_email, data))
    assert await asyncio.to_thread(late.took.wait, 30)
    with caplog.at_level(logging.WARNING, logger="activities.mail.sender"):
        await email.close(within=0.1)
    assert any("1 email sends unfinished" in r.getMessage() for r in caplog.records)
    with contextlib.suppress(Exception):
        await sending


async def test_a_retry_joining_a_slow_send_heartbeats_for_itself(
    email: EmailActivities,
    server: tuple[LateAnswers, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A retry waiting on a send under way heartbeats for itself; the email goes out once."""
    monkeypatch.setattr(mail_beats, "SLOW_SEND_HEARTBEAT", 0.1)
    late, data = server[0], acknowledgement()
    late.gate = gate = threading.Event()  # the server answers once the retry has beaten
    first = asyncio.create_task(attempt_env().run(email.send_email, data))
    assert await asyncio.to_thread(late.took.wait, 30)
    beats: list[tuple[Any, ...]] = []

    def beat(*details: Any) -> None:
        beats.append(details)
        gate.set()

    retry_env = attempt_env()
    retry_env.on_heartbeat = beat
    assert await retry_env.run(email.send_email, data) == await first
    assert beats
    assert late.to(data.to) == 1


async def test_a_retry_records_the_email_the_send_it_joined_could_not(
    email: EmailActivities,
    server: tuple[LateAnswers, int],
    stores: Stores,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The send it joined gave up recording at a local call's end: the retry records it in
    its own time, without sending it again."""
    monkeypatch.setattr(attempt, "RECORD_RESERVE", 3.0)
    monkeypatch.setattr(attempt, "COMPLETION_MARGIN", 1.0)
    late, data = server[0], acknowledgement()
    store_back, refused = commits_refused(monkeypatch)
    called = datetime.now(UTC) - timedelta(minutes=1) + timedelta(seconds=8)
    local_env = attempt_env(local=True, scheduled=called)
    local = asyncio.create_task(local_env.run(email.send_email, data))
    await asyncio.wait_for(refused.wait(), 30)
    retry = asyncio.create_task(attempt_env().run(email.send_email, data))
    await local  # it gave up recording and completed, as its call was ending
    assert await rows.outbox(stores, data.reference) == []
    store_back.set()
    assert await retry == f"<{data.reference}.acknowledgement@shop.example>"
    assert late.to(data.to) == 1
    assert [r["sent"] for r in await rows.outbox(stores, data.reference)] == [True]
