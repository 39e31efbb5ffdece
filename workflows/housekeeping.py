"""Housekeeping, run by a Temporal Schedule: each run one pass over the expired rows, its
counts as the run's result, so the UI shows what each hour removed."""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_calls import store

with workflow.unsafe.imports_passed_through():
    from activities.housekeeping import HousekeepingActivities
    from activities.models import PurgeInput


@workflow.defn
class HousekeepingWorkflow:
    @workflow.run
    async def run(self, data: PurgeInput) -> dict[str, int]:
        deleted: dict[str, int] = await store(HousekeepingActivities.purge_expired, data)
        return deleted
