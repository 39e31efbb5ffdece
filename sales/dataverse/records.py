"""Which Dataverse record stands for each id the workflow chose, kept in our Sales store.

The workflow names a lead, an opportunity, its account and its contact before Dynamics 365
creates them; this table maps each name to the record's GUID and to its onboarding, so a
decision can be traced back and an erasure finds every record it must delete.
"""

from __future__ import annotations

import uuid
from typing import Any

from domain.errors import RecordNotFound
from sales.port import Row
from storage.database import Database


class DataverseRecords:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def remember(self, our_id: str, reference: str, entity: str, guid: Any) -> None:
        """Nothing when Dataverse gave no record; a retry keeps the first mapping."""
        if guid:
            await self.db.execute(
                """INSERT INTO dataverse_records (our_id, reference, entity, record_id)
                   VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
                our_id,
                reference,
                entity,
                uuid.UUID(str(guid)),
            )

    async def find(self, our_id: str) -> tuple[str, uuid.UUID]:
        """The onboarding's reference and the record's GUID."""
        row = await self.db.fetchrow(
            "SELECT reference, record_id FROM dataverse_records WHERE our_id = $1", our_id
        )
        if row is None:
            raise RecordNotFound(f"no Dataverse record for {our_id}")
        return row["reference"], row["record_id"]

    async def reference_of_lead(self, lead: uuid.UUID) -> str | None:
        value = await self.db.fetchval(
            "SELECT reference FROM dataverse_records WHERE entity = 'lead' AND record_id = $1",
            lead,
        )
        return str(value) if value is not None else None

    async def of(self, reference: str) -> list[Row]:
        """The onboarding's records, each as its entity and GUID, in the order staff read them."""
        rows = await self.db.fetch(
            """SELECT entity, record_id FROM dataverse_records WHERE reference = $1
               ORDER BY array_position(ARRAY['lead', 'opportunity', 'account', 'contact'],
                                       entity)""",
            reference,
        )
        return [dict(r) for r in rows]

    async def forget(self, reference: str) -> None:
        await self.db.execute("DELETE FROM dataverse_records WHERE reference = $1", reference)
