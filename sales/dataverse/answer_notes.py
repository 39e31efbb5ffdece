"""An applicant's answer to an information request, as notes on the Dynamics 365 lead: one
note with the answer's text, and one note per file with the file attached (`documentbody`
in base64, `filename`, `mimetype`), which is how Dataverse attaches a file to a record.

Each note's GUID derives from the onboarding's reference and the answer's or the file's id,
and is created with POST + its id: a retry meets 412 (the note exists) and adds nothing.
The files are read one at a time (`content`), each just before its note is posted, so an
answer of ten 10 MB files holds one file (and its base64) at a time, never the ten.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sales.dataverse.backend import DataverseSales
from sales.dataverse.lead_columns import record_guid

# The subject column holds at most 500 characters.
SUBJECT_LENGTH = 500


@dataclass(frozen=True)
class AttachedFile:
    id: str
    filename: str
    content_type: str


# A file's bytes by its id; None when it is gone (erased meanwhile).
FileContent = Callable[[str], Awaitable[bytes | None]]


async def write_answer_notes(
    sales: DataverseSales,
    lead_id: str,
    answer_id: str,
    text: str,
    files: Sequence[AttachedFile],
    content: FileContent,
) -> None:
    reference, lead = await sales.records.find(lead_id)
    names = "\n".join(f"- {f.filename}" for f in files)
    body = f"{text}\n\n{names}" if names else text
    await _post(
        sales,
        {
            "annotationid": str(record_guid(reference, f"answer/{answer_id}")),
            "subject": "Answer to an information request",
            "notetext": body,
            "objectid_lead@odata.bind": f"/leads({lead})",
        },
    )
    for f in files:
        await _post_file(sales, reference, lead, f, content)


async def _post_file(
    sales: DataverseSales, reference: str, lead: UUID, f: AttachedFile, content: FileContent
) -> None:
    """One file's note; its bytes are read here and let go when this returns."""
    data = await content(f.id)
    if data is None:
        return
    encoded = base64.b64encode(data).decode("ascii")
    del data
    await _post(
        sales,
        {
            "annotationid": str(record_guid(reference, f"answer-file/{f.id}")),
            "subject": f.filename[:SUBJECT_LENGTH],
            "filename": f.filename,
            "mimetype": f.content_type,
            "documentbody": encoded,
            "objectid_lead@odata.bind": f"/leads({lead})",
        },
    )


async def _post(sales: DataverseSales, body: dict[str, str]) -> None:
    # 412: this note exists, from an earlier attempt.
    await sales.client.call("POST", "annotations", body=body, expect=(204, 412))
