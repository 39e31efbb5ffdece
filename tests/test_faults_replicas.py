"""Fault suite, several replicas: two web apps and two workers on one task queue, one database.

Real processes: PostgreSQL, the Temporal dev server, an SMTP sink, two `python -m starter` and
two `python -m workers`. Onboardings arrive through both web apps in turn, and so do their
staff decisions. Once some are in flight one worker is SIGKILLed and never comes back: the
other must finish every onboarding as decided, with no row twice and each expected email
exactly once; the one repeat allowed is the main fault suite's, an email the killed worker
handed to the SMTP server just before it died.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from devstack.postgres import free_port
from tests.api_helpers import request_body
from tests.fault_checks import (
    arrivals_by_kill,
    count_rows,
    duplicate_rows,
    onboardings_worked_on_by,
    sent_by_killed_worker,
    working_links,
)
from tests.fault_stack import (
    STAFF_TOKEN,
    Process,
    Stack,
    app_env,
    embedded_servers,
    process_log,
    replica_processes,
)

ONBOARDINGS = 30
REPLICAS = 2
# The kill waits for this many leads, so nearly every onboarding is mid-way when it lands.
KILL_AFTER_LEADS = 10
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
pytestmark = [pytest.mark.faults, pytest.mark.timeout(420)]


@dataclass
class Replicas:
    """The stack, whose `worker` is the one to kill, and every web app's base URL."""

    stack: Stack
    survivor: Process
    urls: list[str]
    leads: int = 0
    lead_seen: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight_at_kill: int = 0
    closed: int = 0


@pytest_asyncio.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[Replicas]:
    ports = [free_port() for _ in range(REPLICAS)]
    log_path = process_log()
    async with embedded_servers(tmp_path) as (postgres, temporal, smtp):
        env = app_env(postgres, temporal, smtp, ports[0])
        with log_path.open("wb") as log:
            async with replica_processes(env, ports, log) as (workers, webs):
                urls = [f"http://127.0.0.1:{port}" for port in ports]
                stack = Stack(postgres, temporal, smtp, workers[0], webs[0], urls[0], log_path)
                yield Replicas(stack, workers[1], urls)


class Driver:
    """One onboarding, each of its calls through the next web app in turn."""

    def __init__(self, replicas: Replicas, http: httpx.AsyncClient, index: int, run: str) -> None:
        self.replicas, self.http, self.index = replicas, http, index
        self.email = f"fault-replica-{run}-{index}@example.com"
        self.plan = ("disqualify", "lost", "won")[index % 3]
        self.calls = index

    @property
    def expected(self) -> str:
        return "approved" if self.plan == "won" else "rejected"

    async def call(self, method: str, path: str, ok: set[int], **kwargs: Any) -> dict[str, Any]:
        while True:
            self.calls += 1
            url = self.replicas.urls[self.calls % REPLICAS] + path
            try:
                response = await self.http.request(method, url, **kwargs)
            except httpx.TransportError:
                await asyncio.sleep(0.5)
                continue
            if response.status_code in ok:
                body: dict[str, Any] = response.json()
                return body
            # Without a worker for a moment the app may only say "try again", never fail.
            assert response.status_code == 503, (path, response.status_code, response.text)
            await asyncio.sleep(0.5)

    async def until(self, reference: str, ready: Callable[[dict[str, Any]], bool]) -> Any:
        path = f"/api/onboarding-requests/{reference}"
        while True:
            found = await self.call("GET", path, {200}, headers=STAFF)
            if ready(found):
                return found
            await asyncio.sleep(0.5)

    async def run(self) -> tuple[str, str]:
        await asyncio.sleep(self.index * 0.1)
        submitted = await self.call(
            "POST",
            "/api/onboarding-requests",
            {202},
            json=request_body(email=self.email),
            headers={"Idempotency-Key": self.email},
        )
        reference = submitted["reference"]
        opened = await self.until(reference, lambda o: o["lead_id"])
        lead = f"/api/sales/leads/{opened['lead_id']}"
        self.replicas.leads += 1
        if self.replicas.leads >= KILL_AFTER_LEADS:
            self.replicas.lead_seen.set()
        # Decisions spread over the next dozen seconds, so some come after the kill.
        await asyncio.sleep((self.index * 1.3) % 12)
        if self.plan == "disqualify":
            await self.call(
                "POST", f"{lead}/disqualify", {202, 409}, json={"reason": "Lost"}, headers=STAFF
            )
        else:
            await self.call("POST", f"{lead}/qualify", {202, 409}, headers=STAFF)
            found = await self.until(reference, lambda o: o["opportunity_id"])
            close = (
                {"outcome": "won"}
                if self.plan == "won"
                else {"outcome": "lost", "reason": "Out-sold"}
            )
            await self.call(
                "POST",
                f"/api/sales/opportunities/{found['opportunity_id']}/close",
                {202, 409},
                json=close,
                headers=STAFF,
            )
        final = await self.until(reference, lambda o: o["closed"])
        self.replicas.closed += 1
        return reference, str(final["status"])


async def kill_one_worker(replicas: Replicas) -> None:
    """SIGKILL the stack's worker once enough leads exist and it has taken onboarding tasks
    (the two workers share the queue unevenly); it stays down."""
    await replicas.lead_seen.wait()
    async with asyncio.timeout(60):
        while True:
            if await onboardings_worked_on_by(replicas.stack, replicas.stack.worker):
                break
            await asyncio.sleep(0.2)
    replicas.in_flight_at_kill = ONBOARDINGS - replicas.closed
    replicas.stack.worker_killed_at.append(time.monotonic())
    await replicas.stack.worker.kill()
    replicas.stack.faults.append("worker SIGKILL")


async def test_one_worker_killed_the_other_finishes_every_onboarding(replicas: Replicas) -> None:
    """With one of two workers SIGKILLed, every onboarding ends as decided, each email once."""
    stack, run = replicas.stack, uuid.uuid4().hex[:6]
    started = time.monotonic()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        drivers = [Driver(replicas, http, i, run) for i in range(ONBOARDINGS)]
        killing = asyncio.create_task(kill_one_worker(replicas))
        async with asyncio.timeout(240):
            outcomes = await asyncio.gather(*(d.run() for d in drivers))
            await killing
    references = {ref for ref, _ in outcomes}
    wrong = [
        (ref, got, d.expected)
        for d, (ref, got) in zip(drivers, outcomes, strict=True)
        if got != d.expected
    ]
    duplicates = await duplicate_rows(stack)
    rows = await count_rows(stack)
    received = Counter(
        str(m["Message-ID"])
        for m in stack.smtp.messages()
        if str(m["Message-ID"]).split(".")[0].lstrip("<") in references
    )
    expected_ids = {f"<{ref}.acknowledgement@shop.example>" for ref in references} | {
        f"<{ref}.{status}@shop.example>" for ref, status in outcomes
    }
    twice = {mid: n for mid, n in received.items() if n > 1}
    # As in the main fault suite: only the SMTP-to-commit moment of the killed worker explains
    # an email sent twice.
    resent_after_kill = {
        mid for mid, n in twice.items() if n == 2 and sent_by_killed_worker(stack, mid)
    }
    unexplained = {mid: n for mid, n in twice.items() if mid not in resent_after_kill}
    approved_ids = {f"<{ref}.approved@shop.example>" for ref in references}
    approvals = [m for m in stack.smtp.messages() if str(m["Message-ID"]) in approved_ids]
    links = await working_links(stack, approvals)
    killed_worked_on = await onboardings_worked_on_by(stack, stack.worker)
    approved = sum(1 for d in drivers if d.expected == "approved")
    done = time.monotonic() - started
    print(
        f"\nreplica fault suite: {ONBOARDINGS} onboardings through {REPLICAS} web apps and "
        f"{REPLICAS} workers; one worker SIGKILLed {stack.worker_killed_at[0] - started:.1f} s "
        f"in with {replicas.in_flight_at_kill} in flight, after working on {killed_worked_on}; "
        f"done {done:.1f} s in; wrong or lost: {len(wrong)}; duplicate rows: "
        f"{sum(len(r) for r in duplicates.values())}; emails expected {len(expected_ids)}, "
        f"received {sum(received.values())}, twice {len(twice)} (resent after the SIGKILL "
        f"{len(resent_after_kill)}); process log: {stack.log_path.name}"
    )
    assert stack.faults == ["worker SIGKILL"]
    assert replicas.in_flight_at_kill > 0
    assert killed_worked_on > 0
    assert replicas.survivor.proc is not None
    assert replicas.survivor.proc.returncode is None
    assert wrong == []
    assert duplicates == {}
    assert rows == {"prospects": ONBOARDINGS, "approved site users": approved}
    assert unexplained == {}, arrivals_by_kill(stack, unexplained)
    assert set(received) == expected_ids
    # A resent approval carries a new link; only the attempt the outbox recorded issued its own.
    assert len(links) == approved
    assert set(links.values()) == {1}
