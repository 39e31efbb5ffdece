"""Fault suite: onboardings in flight through the HTTP API while every part fails in turn.

Real processes: the Temporal dev server on a file, PostgreSQL, an SMTP sink, the worker and
the web app. While 120 onboardings run and their decisions arrive, the worker is killed
(SIGKILL) three times, the Temporal server restarts, PostgreSQL stops for 20 s and the SMTP
server stops for 20 s. Then every onboarding must have the outcome its decisions imply, no
row may exist twice, and each expected email must have arrived exactly once; the one repeat
allowed is an email whose sending worker was SIGKILLed within a second of the SMTP server
taking it (no SMTP client can record a send and make it in one step).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from accounts.tokens import token_hash
from devstack.postgres import EmbeddedPostgres, free_port
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer
from tests.api_helpers import request_body
from tests.fault_invitations import (
    INVITATIONS,
    host_organization,
    invitation_emails,
    invite_during_faults,
    repeats,
)

ONBOARDINGS = 120
STAFF_TOKEN = f"fault-staff-{uuid.uuid4().hex}"
KEEP_PROCESS_LOGS = 10
pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]


class Process:
    """A child process of ours that can be killed and started again with the same command."""

    def __init__(self, module: str, env: dict[str, str], log: IO[bytes]) -> None:
        self.module, self.env, self.log = module, env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, env=self.env, stdout=self.log, stderr=self.log
        )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=30)
            except TimeoutError:
                await self.kill()


@dataclass
class Stack:
    postgres: EmbeddedPostgres
    temporal: TemporalDevServer
    smtp: SmtpSink
    worker: Process
    web: Process
    url: str
    log_path: Path
    faults: list[str] = field(default_factory=list)
    worker_killed_at: list[float] = field(default_factory=list)


@contextlib.asynccontextmanager
async def embedded_servers(
    folder: Path,
) -> AsyncIterator[tuple[EmbeddedPostgres, TemporalDevServer, SmtpSink]]:
    """PostgreSQL, the Temporal dev server and an SMTP sink of their own, stopped at the end."""
    postgres = EmbeddedPostgres(folder / "pg")
    temporal = TemporalDevServer(folder / "temporal.db")
    smtp = SmtpSink()
    await asyncio.to_thread(postgres.start)
    await asyncio.to_thread(temporal.start)
    smtp.start()
    try:
        yield postgres, temporal, smtp
    finally:
        smtp.stop()
        await asyncio.to_thread(temporal.stop)
        await asyncio.to_thread(postgres.stop)


def app_env(
    postgres: EmbeddedPostgres, temporal: TemporalDevServer, smtp: SmtpSink, http_port: int
) -> dict[str, str]:
    """The environment of the worker and the web app on those servers."""
    return {
        **os.environ,
        "TEMPORAL_ADDRESS": temporal.address,
        "COMMERCE_DATABASE_URL": postgres.url("commerce"),
        "SALES_DATABASE_URL": postgres.url("sales"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "ONBOARDING_HTTP_PORT": str(http_port),
        "ONBOARDING_STAFF_TOKEN": STAFF_TOKEN,
        "ONBOARDING_SUBMIT_RATE_PER_MINUTE": "0",
        "ONBOARDING_METRICS_PORT": "0",
    }


@contextlib.asynccontextmanager
async def app_processes(
    env: dict[str, str], log: IO[bytes]
) -> AsyncIterator[tuple[Process, Process]]:
    """`python -m workers` and `python -m starter`, stopped at the end (the web app first)."""
    worker, web = Process("workers", env, log), Process("starter", env, log)
    await worker.start()
    await web.start()
    try:
        yield worker, web
    finally:
        await web.stop()
        await worker.stop()


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    http_port = free_port()
    log_path = process_log()
    async with embedded_servers(tmp_path) as (postgres, temporal, smtp):
        env = app_env(postgres, temporal, smtp, http_port)
        with log_path.open("wb") as log:
            async with app_processes(env, log) as (worker, web):
                url = f"http://127.0.0.1:{http_port}"
                yield Stack(postgres, temporal, smtp, worker, web, url, log_path)


def process_log() -> Path:
    """A new file per run, so a failed run's log survives the runs after it; old ones pruned."""
    logs = Path(__file__).parent / "artifacts"
    logs.mkdir(exist_ok=True)
    for old in sorted(logs.glob("fault-suite-processes-*.log"))[:-KEEP_PROCESS_LOGS]:
        old.unlink()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return logs / f"fault-suite-processes-{stamp}-{uuid.uuid4().hex[:6]}.log"


# How long each killed worker stays down before a new one starts.
WORKER_DOWN = 1.0


async def inject_faults(stack: Stack) -> None:
    await asyncio.sleep(4)
    for _ in range(3):
        stack.worker_killed_at.append(time.monotonic())
        await stack.worker.kill()
        stack.faults.append("worker SIGKILL")
        await asyncio.sleep(WORKER_DOWN)
        await stack.worker.start()
        await asyncio.sleep(5)
    await asyncio.to_thread(stack.temporal.stop)
    await asyncio.to_thread(stack.temporal.start)
    stack.faults.append("Temporal dev server restart")
    await asyncio.sleep(5)
    await asyncio.to_thread(stack.postgres.stop)
    stack.faults.append("PostgreSQL stopped 20 s")
    await asyncio.sleep(20)
    await asyncio.to_thread(stack.postgres.start)
    await asyncio.sleep(5)
    stack.smtp.stop()
    stack.faults.append("SMTP server stopped 20 s")
    await asyncio.sleep(20)
    stack.smtp.start()


class Driver:
    """One person's side of an onboarding, retrying as a careful client would."""

    def __init__(self, http: httpx.AsyncClient, index: int, run: str, errors: Counter[int]) -> None:
        self.http, self.index, self.errors = http, index, errors
        self.email = f"fault-{run}-{index}@example.com"
        self.staff = {"Authorization": f"Bearer {STAFF_TOKEN}"}
        self.plan = ("disqualify", "lost", "won", "won", "won")[index % 5]

    @property
    def expected(self) -> str:
        return "approved" if self.plan == "won" else "rejected"

    async def call(self, method: str, path: str, ok: set[int], **kwargs: Any) -> dict[str, Any]:
        while True:
            try:
                response = await self.http.request(method, path, **kwargs)
            except httpx.TransportError:
                await asyncio.sleep(0.5)
                continue
            if response.status_code in ok:
                body: dict[str, Any] = response.json()
                return body
            # While a server is down the app may only say "try again" (503), never fail (500).
            assert response.status_code == 503, (path, response.status_code, response.text)
            self.errors[response.status_code] += 1
            await asyncio.sleep(0.5)

    async def until(
        self, reference: str, ready: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        while True:
            onboarding = await self.call(
                "GET", f"/api/onboarding-requests/{reference}", {200}, headers=self.staff
            )
            if ready(onboarding):
                return onboarding
            await asyncio.sleep(0.5)

    async def run(self) -> tuple[str, str]:
        await asyncio.sleep(self.index * 0.04)
        submitted = await self.call(
            "POST", "/api/onboarding-requests", {202},
            json=request_body(email=self.email), headers={"Idempotency-Key": self.email},
        )  # fmt: skip
        reference = submitted["reference"]
        # Decisions arrive over the first minute, while the faults happen.
        await asyncio.sleep((self.index * 7.3) % 60)
        onboarding = await self.until(reference, lambda o: bool(o["lead_id"]))
        lead = f"/api/sales/leads/{onboarding['lead_id']}"
        if self.plan == "disqualify":
            await self.call("POST", f"{lead}/disqualify", {202, 409},
                            json={"reason": "Lost"}, headers=self.staff)  # fmt: skip
        else:
            await self.call("POST", f"{lead}/qualify", {202, 409}, headers=self.staff)
            onboarding = await self.until(reference, lambda o: bool(o["opportunity_id"]))
            close = {"outcome": "won"} if self.plan == "won" else {
                "outcome": "lost", "reason": "Out-sold"}  # fmt: skip
            await self.call(
                "POST", f"/api/sales/opportunities/{onboarding['opportunity_id']}/close",
                {202, 409}, json=close, headers=self.staff,
            )  # fmt: skip
        final = await self.until(reference, lambda o: bool(o["closed"]))
        return reference, final["status"]


DUPLICATE_QUERIES = {
    "commerce": [
        "SELECT reference FROM prospects GROUP BY reference HAVING count(*) > 1",
        "SELECT lower(email) FROM prospects WHERE email LIKE 'fault-%'"
        " GROUP BY 1 HAVING count(*) > 1",
        "SELECT prospect_id, customer_type FROM customers WHERE prospect_id IS NOT NULL"
        " GROUP BY 1, 2 HAVING count(*) > 1",
        "SELECT organization_customer_id FROM customer_hierarchies GROUP BY 1 HAVING count(*) > 1",
        "SELECT hierarchy_id FROM customer_hierarchy_members WHERE role = 'admin'"
        " GROUP BY 1 HAVING count(*) > 1",
        "SELECT lower(email) FROM customers WHERE customer_type = 'person'"
        " GROUP BY 1 HAVING count(*) > 1",
        "SELECT lower(email) FROM site_users GROUP BY 1 HAVING count(*) > 1",
        "SELECT reference, kind FROM email_outbox GROUP BY 1, 2 HAVING count(*) > 1",
    ],
    "sales": [
        "SELECT reference FROM leads GROUP BY reference HAVING count(*) > 1",
        "SELECT lead_id FROM opportunities GROUP BY lead_id HAVING count(*) > 1",
        "SELECT lead_id FROM accounts GROUP BY lead_id HAVING count(*) > 1",
        "SELECT lead_id FROM contacts GROUP BY lead_id HAVING count(*) > 1",
        "SELECT record_id, note_key FROM timeline_notes GROUP BY 1, 2 HAVING count(*) > 1",
    ],
}
EXPECTED_ROWS = {
    "prospects": "SELECT count(*) FROM prospects WHERE email LIKE 'fault-%'",
    "approved site users": "SELECT count(*) FROM site_users WHERE email LIKE 'fault-%'",
}


# How long before a SIGKILL an email the SMTP server took may still be unrecorded: the
# server's answer, then one step of a busy worker's event loop, then the commit.
KILL_WINDOW = 1.0


def sent_by_killed_worker(stack: Stack, message_id: str) -> bool:
    """Whether the email first arrived just before a SIGKILL, or while no worker ran after
    it: then the killed worker sent it (a busy sink may read the bytes after the kill), and
    its outbox transaction died with it."""
    arrived = stack.smtp.arrived_at(message_id)
    return arrived is not None and any(
        killed - KILL_WINDOW <= arrived < killed + WORKER_DOWN for killed in stack.worker_killed_at
    )


def arrivals_by_kill(stack: Stack, message_ids: Iterable[str]) -> dict[str, list[float]]:
    """For a failure's message: when each email first arrived, in seconds after each kill."""
    return {
        mid: [round(arrived - killed, 3) for killed in stack.worker_killed_at]
        for mid in message_ids
        if (arrived := stack.smtp.arrived_at(mid)) is not None
    }


async def duplicate_rows(stack: Stack) -> dict[str, list[str]]:
    """The rows each duplicate query found, by query; empty when there is none."""
    found: dict[str, list[str]] = {}
    for store, queries in DUPLICATE_QUERIES.items():
        conn = await asyncpg.connect(
            stack.postgres.url(store), server_settings={"search_path": store}
        )
        try:
            for sql in queries:
                if rows := await conn.fetch(sql):
                    found[sql] = [str(tuple(r)) for r in rows]
        finally:
            await conn.close()
    return found


async def count_rows(stack: Stack) -> dict[str, int]:
    conn = await asyncpg.connect(
        stack.postgres.url("commerce"), server_settings={"search_path": "commerce"}
    )
    try:
        return {name: int(await conn.fetchval(sql)) for name, sql in EXPECTED_ROWS.items()}
    finally:
        await conn.close()


async def working_links(stack: Stack, approvals: list[EmailMessage]) -> dict[str, int]:
    """For each approved admin (by address), how many of the activation links emailed work."""
    conn = await asyncpg.connect(
        stack.postgres.url("commerce"), server_settings={"search_path": "commerce"}
    )
    working: dict[str, int] = {}
    try:
        for message in approvals:
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            token = re.search(r"/activate\?token=([A-Za-z0-9_-]+)", text)
            works = token is not None and await conn.fetchval(
                """SELECT true FROM account_tokens WHERE token_hash = $1 AND used_at IS NULL
                   AND expires_at > now() AND purpose = 'activation'""",
                token_hash(token[1]),
            )
            recipient = str(message["To"])
            working[recipient] = working.get(recipient, 0) + (1 if works else 0)
    finally:
        await conn.close()
    return working


async def test_nothing_lost_nothing_twice_under_faults(stack: Stack) -> None:
    """Every onboarding ends as decided, with no duplicate row and every email exactly once."""
    run = uuid.uuid4().hex[:6]
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30, limits=limits) as http:
        host = await host_organization(http, {"Authorization": f"Bearer {STAFF_TOKEN}"}, run)
        unavailable: Counter[int] = Counter()
        drivers = [Driver(http, i, run, unavailable) for i in range(ONBOARDINGS)]
        faults = asyncio.create_task(inject_faults(stack))
        inviting = asyncio.create_task(invite_during_faults(stack.temporal.address, host, run))
        outcomes = await asyncio.wait_for(asyncio.gather(*(d.run() for d in drivers)), timeout=720)
        invitees = await inviting
        await faults
    invited = await invitation_emails(stack.smtp, invitees)
    invitation_links = await working_links(stack, [m for ms in invited.values() for m in ms])
    invitations_twice = repeats(invited)
    unexplained_invitations = {
        mid: n for mid, n in invitations_twice.items()
        if n != 2 or not sent_by_killed_worker(stack, mid)
    }  # fmt: skip

    wrong = [
        (ref, got, d.expected)
        for d, (ref, got) in zip(drivers, outcomes, strict=True)
        if got != d.expected
    ]
    duplicates = await duplicate_rows(stack)
    rows = await count_rows(stack)
    references = {ref for ref, _ in outcomes}
    received = Counter(
        str(m["Message-ID"]) for m in stack.smtp.messages()
        if str(m["Message-ID"]).split(".")[0].lstrip("<") in references
    )  # fmt: skip
    expected_ids = {f"<{ref}.acknowledgement@shop.example>" for ref, _ in outcomes} | {
        f"<{ref}.{'approved' if status == 'approved' else 'rejected'}@shop.example>"
        for ref, status in outcomes
    }
    twice = {mid: n for mid, n in received.items() if n > 1}
    # SMTP cannot take an email and our record of it at once: a worker killed between the
    # server's acceptance and the outbox's commit sends it again, with the same Message-ID.
    # That moment lasts milliseconds; an email sent again for any other reason fails.
    resent_after_kill = {
        mid for mid in twice if twice[mid] == 2 and sent_by_killed_worker(stack, mid)
    }
    unexplained = {mid: n for mid, n in twice.items() if mid not in resent_after_kill}
    missing = expected_ids - set(received)
    approvals = [
        m for m in stack.smtp.messages()
        if str(m["Message-ID"]) in {f"<{ref}.approved@shop.example>" for ref in references}
    ]  # fmt: skip
    links = await working_links(stack, approvals)
    print(
        f"\nfault suite: {ONBOARDINGS} onboardings in flight; faults injected: "
        f"{len(stack.faults)} ({', '.join(stack.faults)}); wrong or lost: {len(wrong)}; "
        f"duplicate rows: {sum(len(r) for r in duplicates.values())}; "
        f"emails expected {len(expected_ids)}, "
        f"received {sum(received.values())}, twice {len(twice)} (of which resent after a "
        f"worker SIGKILL {len(resent_after_kill)}), missing {len(missing)}; "
        f"503 answers retried: {unavailable[503]}; approval emails {len(approvals)} for "
        f"{len(links)} admins, each with working links: {sorted(set(links.values()))}; "
        f"invitations {len(invited)}, emails {sum(len(m) for m in invited.values())} (resent "
        f"after a SIGKILL {len(invitations_twice) - len(unexplained_invitations)}), working "
        f"links each: {sorted(set(invitation_links.values()))}; "
        f"process log: {stack.log_path.name}"
    )
    assert len(stack.faults) == 6
    assert wrong == []
    assert duplicates == {}
    approved = sum(1 for d in drivers if d.expected == "approved")
    assert rows == {"prospects": ONBOARDINGS, "approved site users": approved}
    assert unexplained == {}, arrivals_by_kill(stack, unexplained)
    assert missing == set()
    assert set(received) == expected_ids
    # A resent approval carries a new link; only the attempt the outbox recorded issued its own.
    assert len(links) == approved
    assert set(links.values()) == {1}
    # Each invitee: one invitation email (but the one repeat SMTP forces), one working link.
    assert unexplained_invitations == {}, arrivals_by_kill(stack, unexplained_invitations)
    assert all(len({str(m["Message-ID"]) for m in ms}) == 1 for ms in invited.values())
    assert len(invitation_links) == INVITATIONS
    assert set(invitation_links.values()) == {1}
