"""Moving the time-skipping test server's clock on, with room for a loaded machine."""

from __future__ import annotations

from datetime import timedelta

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.testing import WorkflowEnvironment

# The skip ends only once every workflow task and activity due on the way has run, at real
# pace; with the machine busy that took longer than the client's own call timeout (30 s),
# failing a test whose run was only slow. Still inside the tests' own timeout (120 s).
SKIP_WITHIN = timedelta(seconds=90)


async def skip(env: WorkflowEnvironment, duration: timedelta) -> None:
    """Move the server's clock `duration` on, firing every timer due on the way."""
    request = SleepRequest()
    request.duration.FromTimedelta(duration)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_WITHIN)
