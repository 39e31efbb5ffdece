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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from devstack.ports import free_port
from tests.fault_checks import (
    arrivals_by_kill,
    count_rows,
    duplicate_rows,
    onboardings_worked_on_by,
    sent_by_killed_worker,
    working_links,
)
from tests.fault_driver import Driver, Pacing
from tests.fault_stack import (
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
PLANS = ("disqualify", "lost", "won")
# Decisions spread over the first dozen seconds, so some come after the kill.
PACING = Pacing(start_step=0.1, decide_step=1.3, decide_within=12)
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

    def lead_made(self) -> None:
        self.leads += 1
        if self.leads >= KILL_AFTER_LEADS:
            self.lead_seen.set()

    def onboarding_closed(self) -> None:
        self.closed += 1


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


async def kill_one_worker(replicas: Replicas) -> None:
    """SIGKILL a worker once enough leads exist and it has taken onboarding tasks: the stack's,
    or the other if the queue has gone only to that one so far (the server shares it unevenly,
    and may serve a new worker's polls late); it stays down."""
    await replicas.lead_seen.wait()
    stack = replicas.stack
    async with asyncio.timeout(60):
        while not await onboardings_worked_on_by(stack, stack.worker):
            if await onboardings_worked_on_by(stack, replicas.survivor):
                stack.worker, replicas.survivor = replicas.survivor, stack.worker
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
        drivers = [
            Driver(
                http,
                replicas.urls,
                i,
                f"fault-replica-{run}-{i}@example.com",
                PLANS[i % 3],
                PACING,
                Counter(),
                replicas.lead_made,
                replicas.onboarding_closed,
            )
            for i in range(ONBOARDINGS)
        ]
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
