"""Sales webhook deliveries, recorded by OperationId so a redelivery is recognised."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from storage.database import Connection, Database


class Delivery:
    """A delivery seen for the first time; its row commits only if the caller succeeds."""

    def __init__(self, conn: Connection, operation_id: str) -> None:
        self._conn, self.operation_id = conn, operation_id

    async def finish(self, outcome: str) -> None:
        await self._conn.execute(
            "UPDATE webhook_deliveries SET outcome = $2 WHERE operation_id = $1",
            self.operation_id,
            outcome,
        )


class WebhookDeliveries:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def receiving(
        self, operation_id: str, message: str, entity: str, record_id: str
    ) -> AsyncIterator[Delivery | None]:
        """The new delivery, or None if this OperationId came before. An exception in the
        body rolls the row back, so the sender's retry is processed."""
        async with self._db.acquire() as conn, conn.transaction():
            # The row is ours until commit: a concurrent retry waits here, then sees it.
            fresh = await conn.fetchval(
                """INSERT INTO webhook_deliveries
                       (operation_id, message_name, entity_name, entity_id, outcome)
                   VALUES ($1, $2, $3, $4, 'received')
                   ON CONFLICT (operation_id) DO NOTHING RETURNING operation_id""",
                operation_id,
                message,
                entity,
                record_id,
            )
            yield Delivery(conn, operation_id) if fresh is not None else None
