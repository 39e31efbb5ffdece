"""The schedules the worker keeps: housekeeping every hour, the partners' re-check monthly."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleRange,
    ScheduleSpec,
)

from activities.models import PurgeInput
from workflows.housekeeping import HousekeepingWorkflow
from workflows.partner_recheck import PartnerRecheckInput, PartnerRecheckWorkflow

HOUSEKEEPING = "onboarding-housekeeping"
EVERY = timedelta(hours=1)
PARTNER_RECHECK = "onboarding-partner-recheck"
log = logging.getLogger(__name__)
# The first of each month, at night in Japan, where most registry calls go.
MONTHLY = ScheduleSpec(
    calendars=[
        ScheduleCalendarSpec(
            day_of_month=[ScheduleRange(1)], hour=[ScheduleRange(3)], minute=[ScheduleRange(0)]
        )
    ],
    time_zone_name="Asia/Tokyo",
)


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


async def ensure_partner_recheck(
    client: Client, task_queue: str, schedule_id: str = PARTNER_RECHECK
) -> bool:
    """Create the monthly re-check of approved partners unless it exists; True when this
    call made it. Like housekeeping's, asked by every worker at start: replicas asking at
    once make it once, and neither fails."""
    try:
        await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    PartnerRecheckWorkflow.run,
                    PartnerRecheckInput(),
                    id=f"{schedule_id}-run",
                    task_queue=task_queue,
                ),
                spec=MONTHLY,
            ),
        )
    except ScheduleAlreadyRunningError:
        return False
    log.info("partners' re-check scheduled monthly")
    return True
