"""An applicant's answer to an information request, as an entry of the built-in lead's
timeline (the answer itself, with its files, is on the lead's page from Commerce)."""

from __future__ import annotations

from storage.database import Database


async def note_answer(db: Database, lead_id: str, answer_id: str, body: str) -> None:
    """The timeline entry, once per answer however often it is written."""
    await db.execute(
        """INSERT INTO timeline_notes (record_type, record_id, note_key, body)
           VALUES ('lead', $1, $2, $3)
           ON CONFLICT (record_type, record_id, note_key) DO NOTHING""",
        lead_id,
        f"answer:{answer_id}",
        body,
    )
