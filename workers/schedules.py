"""The schedules the worker keeps: housekeeping every hour."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleSpec,
)

from activities.models import PurgeInput
from workflows.housekeeping import HousekeepingWorkflow

HOUSEKEEPING = "onboarding-housekeeping"
EVERY = timedelta(hours=1)


async def ensure_housekeeping(
    client: Client, task_queue: str, data: PurgeInput, schedule_id: str = HOUSEKEEPING
) -> bool:
    """Create the hourly housekeeping schedule unless it exists; True when this call made it.
    Every worker asks at start, so a new deployment needs no separate step."""
    try:
        await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    HousekeepingWorkflow.run, data, id=f"{schedule_id}-run", task_queue=task_queue
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=EVERY)]),
            ),
        )
    except ScheduleAlreadyRunningError:
        return False
    return True
