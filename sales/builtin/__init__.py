"""The built-in Sales CRM on PostgreSQL: leads, opportunities, contacts, accounts, notes."""

from __future__ import annotations

from sales.builtin.decisions import LeadDecisions
from sales.builtin.views import LeadViews
from sales.port import Row
from storage.database import Database

MIGRATIONS = "sales.builtin"

DELETES = (
    """DELETE FROM timeline_notes WHERE record_id IN (
           SELECT id FROM leads WHERE reference = $1
           UNION SELECT o.id FROM opportunities o JOIN leads l ON l.id = o.lead_id
                 WHERE l.reference = $1)""",
    "DELETE FROM opportunities WHERE lead_id IN (SELECT id FROM leads WHERE reference = $1)",
    "DELETE FROM contacts WHERE lead_id IN (SELECT id FROM leads WHERE reference = $1)",
    "DELETE FROM accounts WHERE lead_id IN (SELECT id FROM leads WHERE reference = $1)",
    "DELETE FROM leads WHERE reference = $1",
)


class BuiltinSales(LeadDecisions, LeadViews):
    """The Sales port over our own `sales` schema."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def erase(self, reference: str) -> bool:
        return await self.db.rows_touched(DELETES, reference) > 0

    async def note_on_lead(self, lead_id: str, key: str, subject: str, text: str) -> None:
        await self.db.execute(
            """INSERT INTO timeline_notes (record_type, record_id, note_key, body)
               VALUES ('lead', $1, $2, $3)
               ON CONFLICT (record_type, record_id, note_key) DO NOTHING""",
            lead_id,
            key,
            text,
        )

    async def can_reach(self) -> bool:
        return bool(await self.db.fetchval("SELECT true"))

    async def record_links(self, reference: str) -> list[Row]:
        return []
