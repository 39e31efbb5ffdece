"""Housekeeping: the account tables' expired rows, deleted on a schedule."""

from __future__ import annotations

from temporalio import activity

from activities.models import PurgeInput
from commerce.store import CommerceStore


class HousekeepingActivities:
    def __init__(self, store: CommerceStore) -> None:
        self._store = store

    @activity.defn
    async def purge_expired(self, data: PurgeInput) -> dict[str, int]:
        """Delete expired sessions, dead links and forgotten sign-in failures; the counts."""
        return await self._store.purge_expired(data.session_idle)
