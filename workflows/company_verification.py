"""The company verification inside the onboarding's run: one activity, started once the lead
exists and left to run beside the waits for people, which never wait for it.

A registry that does not answer fails the attempt; Temporal retries it with backoff for as
long as the onboarding may wait for its decision. The run does not wait for the verdict:
whatever the verification has not finished when the run ends is abandoned with it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.verification import VerificationActivities, VerifyCompanyInput

# Registries go down for minutes to hours: the first retry soon, then ever more slowly, up to
# one an hour, with no cap on attempts (the schedule-to-close timeout ends them). Each attempt
# is a billable action on Temporal Cloud: hourly, an onboarding left pending for its whole
# 30-day wait (an NTA application id never configured) costs about 720 of them, where every
# ten minutes cost 4,320; a registry back from an outage is asked again within the hour.
VERIFICATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    maximum_attempts=0,
)
# Three registries asked one after the other, each within its own timeout.
VERIFICATION_TIMEOUT = timedelta(minutes=2)


async def verify_company(reference: str, lead_id: str, give_up_after: timedelta) -> str | None:
    """The verdict; None when the verification gave up (its evidence says how far it got)."""
    try:
        status: str = await workflow.execute_activity_method(
            VerificationActivities.verify_company,
            VerifyCompanyInput(reference=reference, lead_id=lead_id),
            start_to_close_timeout=VERIFICATION_TIMEOUT,
            schedule_to_close_timeout=give_up_after,
            retry_policy=VERIFICATION_RETRY,
        )
    except ActivityError:
        return None
    return status


class CompanyVerification:
    """The run's verification, started once the lead exists."""

    def __init__(self) -> None:
        self.task: asyncio.Task[str | None] | None = None

    def start(self, reference: str, lead_id: str, give_up_after: timedelta) -> None:
        """Start the verification as a task of the run, which nothing awaits."""
        self.task = asyncio.ensure_future(verify_company(reference, lead_id, give_up_after))
