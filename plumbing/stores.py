"""Both stores' pools, opened with their migrations applied, and the typed stores over them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from accounts.sealing import KeyRing
from commerce.documents import SEALING_PURPOSE as DOCUMENTS_PURPOSE
from commerce.documents import Documents
from commerce.store import MIGRATIONS as COMMERCE_MIGRATIONS
from commerce.store import CommerceStore
from plumbing.codec import parse_keys
from plumbing.settings import Settings
from sales.builtin import MIGRATIONS as SALES_MIGRATIONS
from sales.builtin import BuiltinSales
from sales.builtin.deliveries import WebhookDeliveries
from sales.dataverse import DataverseClient, DataverseSales
from sales.port import SalesBackend
from storage.database import Database, create_pool
from storage.migrations import apply_migrations


@dataclass(frozen=True)
class Stores:
    commerce: Database
    sales: Database
    # Set when Sales is Dynamics 365 (SALES_BACKEND=dataverse): one client, one token cache.
    dataverse: DataverseClient | None = None

    def commerce_store(self) -> CommerceStore:
        return CommerceStore(self.commerce)

    def sales_backend(self) -> SalesBackend:
        if self.dataverse is not None:
            return DataverseSales(self.sales, self.dataverse)
        return BuiltinSales(self.sales)

    def webhook_deliveries(self) -> WebhookDeliveries:
        return WebhookDeliveries(self.sales)

    def documents(self, settings: Settings) -> Documents:
        """The answers and their documents, sealed with the payload keys."""
        keys = parse_keys(settings.onboarding_encryption_keys)
        ring = KeyRing(keys, settings.onboarding_encryption_key_id, purpose=DOCUMENTS_PURPOSE)
        return Documents(self.commerce, ring)


@contextlib.asynccontextmanager
async def open_stores(settings: Settings) -> AsyncIterator[Stores]:
    """Both stores' pools, with their migrations applied."""
    size = settings.database_pool_size
    commerce = await create_pool(settings.commerce_database_url, "commerce", max_size=size)
    try:
        sales = await create_pool(settings.sales_database_url, "sales", max_size=size)
        try:
            await apply_migrations(commerce, "commerce", COMMERCE_MIGRATIONS)
            await apply_migrations(sales, "sales", SALES_MIGRATIONS)
            config = settings.dataverse_config()
            dataverse = DataverseClient(config) if config else None
            try:
                yield Stores(commerce=commerce, sales=sales, dataverse=dataverse)
            finally:
                if dataverse is not None:
                    await dataverse.aclose()
        finally:
            await sales.close()
    finally:
        await commerce.close()
