"""Credit activities: what the wait for a partner admin's decision does when it runs out."""

from __future__ import annotations

from temporalio import activity

from activities.models import PurchaseRefInput
from commerce.store import CommerceStore


class CreditActivities:
    def __init__(self, store: CommerceStore) -> None:
        self._store = store

    @activity.defn
    async def expire_purchase(self, data: PurchaseRefInput) -> str | None:
        """Decline an order still awaiting the admin; one decided meanwhile stays as it is.
        The new status, or None when the order is gone (erased)."""
        try:
            row, _ = await self._store.credit.step(data.order_reference, "expire", "system")
        except KeyError:
            return None
        status: str = row["status"]
        return status
