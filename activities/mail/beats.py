"""An email attempt's heartbeats: only while a step takes long, and never for a local one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity

# Well inside the workflow's heartbeat timeout, so a slow SMTP server is never mistaken for
# a lost worker (which would send the email again).
SLOW_SEND_HEARTBEAT = 5.0


def heartbeat(detail: str) -> None:
    # A local activity has no heartbeat: its worker keeps the workflow task alive instead.
    if not activity.info().is_local:
        activity.heartbeat(detail)


@contextlib.asynccontextmanager
async def heartbeating_if_slow(detail: str) -> AsyncIterator[None]:
    """Heartbeat from beside the block, only if it takes long: a heartbeat is a server write.

    The block itself awaits the send directly, so that the outbox's commit follows the SMTP
    server's answer within the same step of the event loop: that moment is the only one in
    which a killed worker would leave an email sent but not recorded.
    """

    async def beat() -> None:
        while True:
            await asyncio.sleep(SLOW_SEND_HEARTBEAT)
            heartbeat(detail)

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
