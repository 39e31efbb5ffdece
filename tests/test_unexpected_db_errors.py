"""An asyncpg error of a kind no handler expects, injected once into a real store call."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from asyncpg.connection import Connection

from activities.mail import beats as mail_beats
from activities.mail.mime import Outgoing
from activities.mail.smtp import SmtpSessions
from activities.models import EmailKind, SendEmailInput
from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from storage.database import StoreUnavailable, create_pool
from tests import rows
from tests.api_helpers import submitted_lead
from tests.attempt_envs import attempt_env
from tests.conftest import WebApp
from tests.factories import unique_email
from workers.worker import build_activities

# What asyncpg raises on a pooled connection that PostgreSQL's shutdown left half-closed.
BROKEN = "cannot switch to state 11; another operation (2) is in progress"


def fail_once(monkeypatch: pytest.MonkeyPatch, method: str, statement: str) -> list[str]:
    """Make the next `method` call whose SQL starts with `statement` fail as a broken
    connection does; returns the statements that failed."""
    failed: list[str] = []
    real: Callable[..., Any] = getattr(Connection, method)

    async def tripped(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if not failed and query.lstrip().startswith(statement):
            failed.append(query)
            raise asyncpg.InternalClientError(BROKEN)
        return await real(self, query, *args, **kwargs)

    monkeypatch.setattr(Connection, method, tripped)
    return failed


async def test_email_goes_once_when_recording_it_fails_unexpectedly(
    stores: Stores, settings: Settings, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox's commit after the send fails once: the email still reaches the inbox once."""
    email = build_activities(stores, settings).email
    reference, to = f"B2B-{uuid.uuid4().hex[:16]}", unique_email()
    data = SendEmailInput(
        reference=reference, kind=EmailKind.ACKNOWLEDGEMENT, locale="en", to=to,
        context={"first_name": "Aiko", "last_name": "Sato", "company": "Contoso Ltd"},
    )  # fmt: skip
    env = attempt_env()
    failed = fail_once(monkeypatch, "execute", "COMMIT")
    try:
        first = await env.run(email.send_email, data)
        retried = await env.run(email.send_email, data)  # as Temporal would, had it failed
    finally:
        await email.close()
    assert failed, "the outbox write was not reached"
    assert first == retried
    assert [m["Message-ID"] for m in smtp.messages_to(to)] == [first]
    assert [(r["kind"], r["sent"]) for r in await rows.outbox(stores, reference)] == [
        ("acknowledgement", True)
    ]


async def test_staff_decision_is_503_and_changes_nothing_when_the_store_fails_unexpectedly(
    http: httpx.AsyncClient, web: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A qualify whose lead lookup fails once answers 503 with Retry-After; the lead stays open."""
    reference, lead_id = await submitted_lead(http, web)
    failed = fail_once(monkeypatch, "fetchval", "SELECT reference FROM leads")
    refused = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert failed, "the lead lookup was not reached"
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) > 0
    onboarding = await http.get(f"/api/onboarding-requests/{reference}", headers=web.staff())
    assert onboarding.json()["status"] == "pending"
    assert onboarding.json()["opportunity_id"] is None
    again = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert again.status_code == 202


async def test_a_broken_connection_is_not_handed_out_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a statement fails on a broken connection, the pool's next statement gets a new one."""
    db = await create_pool(settings.commerce_database_url, "commerce", max_size=1)
    try:
        before = await db.fetchval("SELECT pg_backend_pid()")
        fail_once(monkeypatch, "fetchval", "SELECT 'broken'")
        with pytest.raises(StoreUnavailable):
            await db.fetchval("SELECT 'broken'")
        assert await db.fetchval("SELECT pg_backend_pid()") != before
    finally:
        await db.close()


async def test_another_servers_socket_error_is_not_a_store_outage(settings: Settings) -> None:
    """A refused SMTP connection inside a store block stays what it is; the connection stays."""
    db = await create_pool(settings.commerce_database_url, "commerce", max_size=1)
    pids: list[int] = []

    async def send_through_a_refused_server() -> None:
        async with db.acquire() as conn:
            pids.append(await conn.fetchval("SELECT pg_backend_pid()"))
            raise ConnectionRefusedError("the SMTP server refused")

    try:
        with pytest.raises(ConnectionRefusedError):
            await send_through_a_refused_server()
        assert await db.fetchval("SELECT pg_backend_pid()") == pids[0]
    finally:
        await db.close()


async def test_a_slow_smtp_server_is_not_taken_for_a_lost_worker(
    stores: Stores, settings: Settings, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While SMTP takes long to answer, the email activity heartbeats; the email goes once."""
    email = build_activities(stores, settings).email
    to = unique_email()
    data = SendEmailInput(
        reference=f"B2B-{uuid.uuid4().hex[:16]}", kind=EmailKind.ACKNOWLEDGEMENT, locale="en",
        to=to, context={"first_name": "Aiko", "last_name": "Sato", "company": "Contoso Ltd"},
    )  # fmt: skip
    real_send = SmtpSessions.send

    async def slow_send(self: SmtpSessions, message: Outgoing) -> None:
        await asyncio.sleep(0.5)  # a server that takes ten heartbeat intervals to answer
        await real_send(self, message)

    monkeypatch.setattr(mail_beats, "SLOW_SEND_HEARTBEAT", 0.05)
    monkeypatch.setattr(SmtpSessions, "send", slow_send)
    beats: list[object] = []
    env = attempt_env()
    env.on_heartbeat = lambda *details: beats.append(details)
    try:
        sent = await env.run(email.send_email, data)
    finally:
        await email.close()
    assert beats
    assert [m["Message-ID"] for m in smtp.messages_to(to)] == [sent]
