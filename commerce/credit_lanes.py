"""At most two of one organization's purchase authorizations in the database at a time.

Every authorization of an organization takes its credit row FOR UPDATE, so in PostgreSQL
they run one after another whatever this process does. Left alone, a busy organization's
orders all wait inside the database: each holds one of the pool's connections, and each
hand-over of the row wakes a waiter that must re-read the row changed under it, work the
server does for nothing. Queued here instead, one order decides, one waits in the database
to take the row the moment the first commits (so the row is never idle), and the others
wait in this process without a connection. Several processes each keep their own lanes:
the row lock alone keeps the decisions right; the lanes only keep the queue short.

A site user belongs to one organization for good (no statement moves a user to another
hierarchy), so the organization is learnt from the user's first answer and kept. An order
of a user this process has not seen yet goes straight to the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

# One deciding, one ready behind it.
IN_DATABASE = 2
# Users whose organization is kept: past this the map starts afresh (and learns again).
KNOWN_USERS = 100_000


@dataclass
class _Lane:
    turns: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(IN_DATABASE))
    holders: int = 0  # orders in or waiting for this lane


class OrganizationLanes:
    def __init__(self) -> None:
        self._organization_of: dict[str, str] = {}
        self._lanes: dict[str, _Lane] = {}

    @asynccontextmanager
    async def turn(self, site_user_id: str) -> AsyncIterator[None]:
        """Wait for a place in the user's organization's lane, if it is known."""
        organization = self._organization_of.get(site_user_id)
        if organization is None:
            yield
            return
        lane = self._lanes.setdefault(organization, _Lane())
        lane.holders += 1
        try:
            async with lane.turns:
                yield
        finally:
            lane.holders -= 1
            if lane.holders == 0:
                del self._lanes[organization]

    def learn(self, site_user_id: str, organization: str) -> None:
        if len(self._organization_of) >= KNOWN_USERS:
            self._organization_of.clear()
        self._organization_of[site_user_id] = organization
