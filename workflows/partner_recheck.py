"""The monthly re-check of approved partners, run by a Temporal Schedule: each page of
partners that gave identifiers, each identifier asked of its registry again, a flag raised on
a company gone, and the Sales inbox told once per flag.

Each registry is a lane of its own, asked about one partner at a time: a registry that is
down delays neither the others nor their findings, and never gets a burst of calls. A check
whose registry stays down past `give_up_after` changes nothing, and that registry is left
for the rest of the run; next month's run asks again. After each page the run continues as
new, so its history stays short however many partners there are.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import Field
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from domain.registry_checks import Registry
from domain.request import Model
from workflows.activity_calls import send_email_by, store

with workflow.unsafe.imports_passed_through():
    from activities.partner_recheck import (
        FlagEmailInput,
        PartnerRecheckActivities,
        PartnersPageInput,
        PartnerToRecheck,
        RecheckAnswer,
        RecheckInput,
    )

REGISTRIES: tuple[Registry, ...] = ("nta_corporate", "nta_invoice", "vies")
# One registry call and a store write.
RECHECK_TIMEOUT = timedelta(minutes=1)


class RecheckRetry(Model):
    """How a check whose registry does not answer is retried: soon, then ever more slowly,
    until it gives up (the registry is then left for the rest of the run)."""

    every: timedelta = timedelta(seconds=10)
    at_most_every: timedelta = timedelta(minutes=10)
    give_up_after: timedelta = timedelta(hours=6)


class RecheckTally(Model):
    """What the run did, carried from page to page: its result in the Temporal UI."""

    partners: int = 0
    checked: int = 0
    # Answers that name a flag, raised now or on an earlier run.
    flagged: int = 0
    # Checks given up, or skipped, because their registry stayed down.
    unanswered: int = 0


class PartnerRecheckInput(Model):
    page_size: int = Field(default=25, ge=1, le=500)
    # The last partner (hierarchy id) of the pages done; "" to start.
    after: str = ""
    retry: RecheckRetry = RecheckRetry()
    # Registries that stayed down earlier in this run.
    skipped: tuple[Registry, ...] = ()
    tally: RecheckTally = RecheckTally()


@workflow.defn
class PartnerRecheckWorkflow:
    @workflow.run
    async def run(self, data: PartnerRecheckInput) -> RecheckTally:
        self._data = data
        self._tally = data.tally.model_dump()
        self._skipped = set(data.skipped)
        page: list[PartnerToRecheck] = await store(
            PartnerRecheckActivities.partners_to_recheck,
            PartnersPageInput(after=data.after, limit=data.page_size),
        )
        self._tally["partners"] += len(page)
        await asyncio.gather(*(self._lane(registry, page) for registry in REGISTRIES))
        tally = RecheckTally.model_validate(self._tally)
        if len(page) < data.page_size:
            return tally
        workflow.continue_as_new(
            data.model_copy(
                update={
                    "after": page[-1].hierarchy_id,
                    "skipped": tuple(r for r in REGISTRIES if r in self._skipped),
                    "tally": tally,
                }
            )
        )

    async def _lane(self, registry: Registry, page: list[PartnerToRecheck]) -> None:
        for partner in page:
            if registry not in partner.registries:
                continue
            answer = None
            if registry not in self._skipped:
                answer = await self._recheck(partner.hierarchy_id, registry)
            if answer is None:
                self._skipped.add(registry)
                self._tally["unanswered"] += 1
                continue
            self._tally["checked"] += answer.status is not None
            if answer.flag_id is not None:
                self._tally["flagged"] += 1
                await self._tell_sales(answer.flag_id)

    async def _tell_sales(self, flag_id: int) -> None:
        try:
            await send_email_by(
                PartnerRecheckActivities.send_flag_email, FlagEmailInput(flag_id=flag_id)
            )
        except ActivityError:
            # Mail down for a day: the flag stands, and next month's run, finding it again,
            # sends the email the outbox has not recorded.
            workflow.logger.warning("the email of flag %s is left for the next run", flag_id)

    async def _recheck(self, hierarchy_id: str, registry: Registry) -> RecheckAnswer | None:
        """The registry's answer; None when it stayed down past the retry's patience."""
        retry = self._data.retry
        try:
            answer: RecheckAnswer = await workflow.execute_activity_method(
                PartnerRecheckActivities.recheck_partner,
                RecheckInput(hierarchy_id=hierarchy_id, registry=registry),
                start_to_close_timeout=RECHECK_TIMEOUT,
                schedule_to_close_timeout=retry.give_up_after,
                retry_policy=RetryPolicy(
                    initial_interval=retry.every,
                    backoff_coefficient=2.0,
                    maximum_interval=retry.at_most_every,
                    maximum_attempts=0,
                ),
            )
        except ActivityError:
            workflow.logger.warning("%s did not answer; left for this run", registry)
            return None
        return answer
