"""An answer's notes in Dynamics 365 read the answer's files one at a time: each just before
its own note is posted, so the activity never holds the answer's files together."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sales.dataverse import DataverseSales
from sales.dataverse.answer_notes import AttachedFile, write_answer_notes

LEAD = uuid.uuid4()


class Recorder:
    """Stands in for the Dataverse backend's two parts the notes use, noting each step."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.records = self
        self.client = self

    async def find(self, our_id: str) -> tuple[str, uuid.UUID]:
        return "ref-1", LEAD

    async def call(self, method: str, path: str, *, body: dict[str, Any], **_: Any) -> None:
        self.steps.append(f"post {body.get('filename', 'text')}")

    async def content(self, file_id: str) -> bytes | None:
        self.steps.append(f"read {file_id}")
        return None if file_id == "gone" else b"%PDF-1.7\n" + file_id.encode()


async def test_each_file_is_read_just_before_its_note() -> None:
    """Text note first, then read a, post a, read b, post b; an erased file posts nothing."""
    recorder = Recorder()
    files = [AttachedFile(i, f"{i}.pdf", "application/pdf") for i in ("a", "gone", "b")]
    sales = cast(DataverseSales, recorder)
    await write_answer_notes(sales, "lead-1", "answer-1", "Here.", files, recorder.content)
    assert recorder.steps == [
        "post text",
        "read a",
        "post a.pdf",
        "read gone",
        "read b",
        "post b.pdf",
    ]
