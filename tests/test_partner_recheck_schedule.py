"""The monthly re-check's schedule: made once by whichever worker starts first."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.client import Client, ScheduleActionStartWorkflow

from workers.schedules import ensure_partner_recheck


async def test_the_worker_schedules_the_recheck_once_a_month(
    client: Client, task_queue: str
) -> None:
    """The first call makes the schedule (the 1st of each month, in Tokyo); the next finds it."""
    schedule_id = f"partner-recheck-test-{uuid.uuid4().hex[:8]}"
    first = await ensure_partner_recheck(client, task_queue, schedule_id)
    again = await ensure_partner_recheck(client, task_queue, schedule_id)
    handle = client.get_schedule_handle(schedule_id)
    described = (await handle.describe()).schedule
    await handle.delete()
    assert (first, again) == (True, False)
    [calendar] = described.spec.calendars
    assert [(r.start, r.end) for r in calendar.day_of_month] == [(1, 1)]
    assert described.spec.time_zone_name == "Asia/Tokyo"
    action = described.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == ("PartnerRecheckWorkflow", task_queue)


async def test_two_workers_starting_at_once_make_one_recheck_schedule(
    client: Client, task_queue: str
) -> None:
    """Replicas asking at the same moment make the schedule once, and neither fails."""
    schedule_id = f"partner-recheck-test-{uuid.uuid4().hex[:8]}"
    made = await asyncio.gather(
        *(ensure_partner_recheck(client, task_queue, schedule_id) for _ in range(2))
    )
    await client.get_schedule_handle(schedule_id).delete()
    assert sorted(made) == [False, True]
