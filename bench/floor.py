"""Drive the engine's floor (bench/floor_shape.py) with the real path's decisions and pacing."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from bench.drivers import POLL_INTERVAL, body, now, plan
from bench.floor_shape import FloorShape
from domain.outcomes import DisqualifyReason, LostReason
from domain.request import OnboardingRequest
from workflows.models import LeadDisqualified, LeadQualified, OnboardingInput, OpportunityClosed

FLOOR_TYPE = "OnboardingFloor"


async def floor_onboarding(client: Client, run: str, index: int) -> str:
    """Start, then each decision a poll interval after the last step, as the real path's
    salesperson acts once the lead (and then the opportunity) shows. Nothing waits for the
    end: reading it would cost the engine a round trip the floor must not contain."""
    reference = f"FLOOR-{run}-{index}"
    request = OnboardingRequest.model_validate(body(run, index))
    handle = await client.start_workflow(
        FloorShape.run,
        OnboardingInput(reference=reference, request=request),
        id=reference,
        task_queue="bench-reference",
    )
    await asyncio.sleep(POLL_INTERVAL)
    who = "bench"
    if plan(index) == "disqualify":
        decision = LeadDisqualified(decided_by=who, decided_at=now(), reason=DisqualifyReason.LOST)
        await handle.signal(FloorShape.disqualify_lead, decision)
        return reference
    await handle.signal(FloorShape.qualify_lead, LeadQualified(decided_by=who, decided_at=now()))
    await asyncio.sleep(POLL_INTERVAL)
    won = plan(index) == "won"
    close = OpportunityClosed(
        decided_by=who,
        decided_at=now(),
        outcome="won" if won else "lost",
        reason=None if won else LostReason.OUT_SOLD,
    )
    await handle.signal(FloorShape.close_opportunity, close)
    return reference


async def floor_settled(client: Client) -> None:
    """Until no floor run is open: one count a poll interval, instead of a read per run."""
    query = f"WorkflowType = '{FLOOR_TYPE}' AND ExecutionStatus = 'Running'"
    while (await client.count_workflows(query)).count:
        await asyncio.sleep(POLL_INTERVAL)
