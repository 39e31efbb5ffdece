"""Housekeeping deletes the account tables' dead rows on a schedule, and nothing alive."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.client import Client, ScheduleActionStartWorkflow
from temporalio.worker import Worker

from activities.models import PurgeInput
from plumbing.stores import Stores
from workers.schedules import EVERY, ensure_housekeeping
from workflows.housekeeping import HousekeepingWorkflow

IDLE = timedelta(minutes=30)


async def add_rows(stores: Stores, tag: str) -> None:
    """For each table, rows that are dead and rows that still count."""
    db = stores.commerce
    sessions = {"expired": ("-1 minute", "-1 minute"), "idle": ("+1 hour", "-2 hours"),
                "live": ("+1 hour", "-1 minute")}  # fmt: skip
    for name, (expires, seen) in sessions.items():
        await db.execute(
            """INSERT INTO sessions (id_hash, audience, account_id, last_seen_at, expires_at)
               VALUES ($1, 'site', 'USR-x', now() + $3::text::interval,
                       now() + $2::text::interval)""",
            f"{tag}-session-{name}", expires, seen,
        )  # fmt: skip
    tokens = {"expired": ("-2 days", None), "used": ("+5 days", "-2 days"),
              "lately expired": ("-1 hour", None), "live": ("+1 hour", None)}  # fmt: skip
    for name, (expires, used) in tokens.items():
        await db.execute(
            """INSERT INTO account_tokens (token_hash, audience, account_id, purpose, expires_at,
                   used_at)
               VALUES ($1, 'site', 'USR-x', 'reset', now() + $2::text::interval,
                       now() + $3::text::interval)""",
            f"{tag}-token-{name}", expires, used,
        )  # fmt: skip
    for name, last in {"forgotten": "-3 days", "recent": "-1 hour"}.items():
        await db.execute(
            """INSERT INTO sign_in_failures (key, failures, last_failure_at)
               VALUES ($1, 4, now() + $2::text::interval)""",
            f"{tag}-failures-{name}", last,
        )  # fmt: skip


async def left(stores: Stores, tag: str) -> set[str]:
    rows = await stores.commerce.fetch(
        """SELECT id_hash AS key FROM sessions WHERE id_hash LIKE $1
           UNION ALL SELECT token_hash FROM account_tokens WHERE token_hash LIKE $1
           UNION ALL SELECT key FROM sign_in_failures WHERE key LIKE $1""",
        f"{tag}-%",
    )
    return {str(r["key"]).removeprefix(f"{tag}-") for r in rows}


async def test_a_run_deletes_only_dead_rows(client: Client, worker: Worker, stores: Stores) -> None:
    """Expired and idle sessions, used and long-expired links and forgotten failures go;
    live ones, and a link expired within the day's grace, stay."""
    tag = f"hk{uuid.uuid4().hex[:10]}"
    await add_rows(stores, tag)
    deleted = await client.execute_workflow(
        HousekeepingWorkflow.run, PurgeInput(session_idle=IDLE),
        id=f"housekeeping-{tag}", task_queue=worker.task_queue,
    )  # fmt: skip
    assert await left(stores, tag) == {
        "session-live", "token-lately expired", "token-live", "failures-recent",
    }  # fmt: skip
    assert deleted["sessions"] >= 2
    assert deleted["account_tokens"] >= 2
    assert deleted["sign_in_failures"] >= 1


async def test_the_worker_schedules_housekeeping_once(client: Client, task_queue: str) -> None:
    """The first worker creates the hourly schedule; the next ones find it there."""
    schedule_id = f"housekeeping-test-{uuid.uuid4().hex[:8]}"
    data = PurgeInput(session_idle=IDLE)
    first = await ensure_housekeeping(client, task_queue, data, schedule_id)
    again = await ensure_housekeeping(client, task_queue, data, schedule_id)
    handle = client.get_schedule_handle(schedule_id)
    described = (await handle.describe()).schedule
    await handle.delete()
    assert (first, again) == (True, False)
    assert [interval.every for interval in described.spec.intervals] == [EVERY]
    action = described.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == ("HousekeepingWorkflow", task_queue)


async def test_two_workers_starting_at_once_make_one_schedule(
    client: Client, task_queue: str
) -> None:
    """Replicas that ask for the schedule at the same moment make it once, and neither fails."""
    schedule_id = f"housekeeping-test-{uuid.uuid4().hex[:8]}"
    data = PurgeInput(session_idle=IDLE)
    made = await asyncio.gather(
        *(ensure_housekeeping(client, task_queue, data, schedule_id) for _ in range(2))
    )
    await client.get_schedule_handle(schedule_id).delete()
    assert sorted(made) == [False, True]
