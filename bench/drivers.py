"""Drive onboardings as the benchmark's users: through HTTP (real) or the client (reference)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from bench.stack import STAFF_TOKEN
from domain.request import OnboardingRequest
from starter.api.waiting import quoted
from starter.services.reads import NOT_PUBLISHED
from workflows.models import LeadDisqualified, LeadQualified, OnboardingInput, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow

STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
PLANS = ("won", "won", "won", "disqualify", "lost")  # 60 % approved, 40 % rejected


def plan(index: int) -> str:
    return PLANS[index % len(PLANS)]


def body(run: str, index: int) -> dict[str, Any]:
    return {
        "company": {
            "name": f"Bench {run} {index} 株式会社",
            "address": {"postal_code": "100-0005"},
        },
        "contact": {
            "first_name": "Aiko",
            "last_name": "Sato",
            "email": f"bench-{run}-{index}@example.com",
            "phone": "+81 90 1234 5678",
        },
        "comments": "Benchmark request",
        "locale": "ja",
    }


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Timings:
    form_post: list[float] = field(default_factory=list)
    lead_visible: list[float] = field(default_factory=list)
    won_to_email: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    etag: str | None = None


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> Answer:
    """A careful client: on 503 or a dropped connection it waits and tries again."""
    while True:
        try:
            async with http.request(method, path, **kwargs) as response:
                if response.status == 503:
                    retry_after = float(response.headers.get("retry-after", "1"))
                else:
                    body = (
                        await response.json() if response.content_type == "application/json" else {}
                    )
                    if response.status >= 400 and response.status != 409:
                        raise RuntimeError(f"{method} {path}: {response.status} {body}")
                    return Answer(response.status, body, response.headers.get("ETag"))
        except aiohttp.ClientConnectionError:
            retry_after = 0.5
        await asyncio.sleep(retry_after)


# The reference's client, which can only query the run, looks five times a second, from one
# interval after its request; the floor paces its decisions by the same interval.
POLL_INTERVAL = 0.2
# Clients of the API wait for the state they need instead of polling for it: each read
# names the state last seen and asks the server to answer when there is a newer one.
WAIT = {"Prefer": "wait=10"}


async def _get_until(
    http: aiohttp.ClientSession, path: str, key: str, seen: str = quoted(NOT_PUBLISHED)
) -> dict[str, Any]:
    while True:
        headers = {**STAFF, **WAIT, "If-None-Match": seen}
        answer = await call(http, "GET", path, headers=headers)
        if answer.status == 200 and answer.body.get(key):
            return answer.body
        seen = answer.etag or seen


async def http_onboarding(
    http: aiohttp.ClientSession,
    run: str,
    index: int,
    timings: Timings | None = None,
    sales: asyncpg.Pool | None = None,
    smtp_arrival: Any = None,
) -> str:
    """One onboarding through the public and staff APIs, start to end."""
    started = time.monotonic()
    response = await call(http, "POST", "/api/onboarding-requests", json=body(run, index))
    reference = str(response.body["reference"])
    if timings is not None:
        timings.form_post.append(time.monotonic() - started)
    if timings is not None and sales is not None:
        while not await sales.fetchval("SELECT 1 FROM leads WHERE reference = $1", reference):
            await asyncio.sleep(0.002)
        timings.lead_visible.append(time.monotonic() - started)
    state = await _get_until(http, f"/api/onboarding-requests/{reference}", "lead_id")
    lead = f"/api/sales/leads/{state['lead_id']}"
    if plan(index) == "disqualify":
        await call(http, "POST", f"{lead}/disqualify", json={"reason": "Lost"}, headers=STAFF)
    else:
        qualified = (await call(http, "POST", f"{lead}/qualify", headers=STAFF)).body
        if not qualified.get("opportunity_id"):
            qualified = await _get_until(
                http, f"/api/onboarding-requests/{reference}", "opportunity_id"
            )
        close: dict[str, str] = {"outcome": "won"}
        if plan(index) == "lost":
            close = {"outcome": "lost", "reason": "Out-sold"}
        won_at = time.monotonic()
        await call(
            http,
            "POST",
            f"/api/sales/opportunities/{qualified['opportunity_id']}/close",
            json=close,
            headers=STAFF,
        )
        if timings is not None and smtp_arrival is not None and plan(index) == "won":
            message_id = f"<{reference}.approved@shop.example>"
            while (arrived := smtp_arrival(message_id)) is None:
                await asyncio.sleep(0.002)
            timings.won_to_email.append(arrived - won_at)
    # As a client would: the staff API says when the onboarding is closed (from the state the
    # run publishes, so this asks the engine nothing).
    await _get_until(http, f"/api/onboarding-requests/{reference}", "closed")
    return reference


async def reference_onboarding(client: Client, run: str, index: int) -> str:
    """The fixed reference shape (bench/reference.py) with activities that do nothing, and
    the same decisions as the real path, without HTTP.

    Like the salesperson, it decides only once the lead exists: a decision that arrived
    before the workflow began to wait would skip the wait's timer, a cheaper history shape.
    """
    reference = f"BENCH-{run}-{index}"
    request = OnboardingRequest.model_validate(body(run, index))  # the form's very payload
    handle = await client.start_workflow(
        OnboardingWorkflow.run,
        OnboardingInput(reference=reference, request=request),
        id=reference,
        task_queue="bench-reference",
    )
    while True:
        await asyncio.sleep(POLL_INTERVAL)
        try:
            if (await handle.query(OnboardingWorkflow.state)).ids.lead_id:
                break
        except RPCError as err:
            # An overloaded machine may time a query out; the next look will do.
            if err.status not in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise
    who = "bench"
    if plan(index) == "disqualify":
        decision = LeadDisqualified.model_validate(
            {"decided_by": who, "decided_at": now(), "reason": "Lost"}
        )
        await handle.execute_update(OnboardingWorkflow.decide_disqualify_lead, decision)
    else:
        await handle.execute_update(
            OnboardingWorkflow.decide_qualify_lead, LeadQualified(decided_by=who, decided_at=now())
        )
        close = OpportunityClosed.model_validate(
            {
                "decided_by": who,
                "decided_at": now(),
                "outcome": plan(index) if plan(index) == "won" else "lost",
                "reason": None if plan(index) == "won" else "Out-sold",
            }
        )
        await handle.execute_update(OnboardingWorkflow.decide_close_opportunity, close)
    await handle.result()
    return reference


async def run_all(
    count: int, concurrency: int, make: Any, references: list[str] | None = None
) -> float:
    """Run `count` onboardings, `concurrency` at a time; returns the elapsed seconds. The
    references made are added to `references` when it is given."""
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with gate:
            reference = await make(index)
        if references is not None:
            references.append(reference)

    started = time.monotonic()
    # A failure stops the run at once instead of leaving the others polling.
    async with asyncio.TaskGroup() as group:
        for index in range(count):
            group.create_task(one(index))
    return time.monotonic() - started


def new_run() -> str:
    return uuid.uuid4().hex[:6]
