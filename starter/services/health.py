"""Whether the web app reaches what it depends on: Temporal and both stores."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client

from commerce.store import CommerceStore
from sales.port import SalesBackend

PROBE_TIMEOUT = 3


class HealthChecks:
    def __init__(self, client: Client, commerce: CommerceStore, sales: SalesBackend) -> None:
        self._probes: dict[str, Callable[[], Awaitable[Any]]] = {
            "temporal": client.service_client.check_health,
            "commerce": commerce.can_reach,
            "sales": sales.can_reach,
        }

    async def check(self) -> dict[str, bool]:
        """Each dependency's name, and whether it answered in time."""
        checks = {}
        for name, probe in self._probes.items():
            try:
                checks[name] = bool(await asyncio.wait_for(probe(), timeout=PROBE_TIMEOUT))
            except Exception:  # any failure to answer means "not reachable"
                checks[name] = False
        return checks
