"""The applicant's answers to information requests, with their documents sealed at rest.

An answer's text and all its files are written in one transaction, or nothing is: a failure
or a crash part-way leaves no answer row and no file row. Each file's bytes are sealed with
AES-256-GCM under the active one of the payload keys (narrowed to this purpose), a random
nonce per file and the file's id as associated data, and the key's id is kept beside them:
a file sealed under an older key still opens once a newer key is active, as long as the
older key stays configured.

The bytes live in a `bytea` column of the Commerce store: an answer holds at most 10 files of
at most 10 MiB, far below PostgreSQL's 1 GB per value, and one store means one transaction,
one backup and one erasure for the answer and its files.

The staff download of a file is `GET /api/sales/information-requests/files/{file_id}`
(`starter.services.documents.download_url`), staff-only, attachment with the sanitized name.

Erasure: `erasure_statement(request_ids)` deletes the answers of the requests that the
subquery `request_ids` selects (their files go with them); commerce/erasure.py runs it
before the requests themselves are deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from commerce.second_factors import Sealer
from domain.documents import AcceptedFile, check_count
from storage.database import Database

# The purpose the payload keys are narrowed to before they seal a document.
SEALING_PURPOSE = "answer-documents"
_FILE_COLUMNS = "id, answer_id, filename, content_type, size, sha256"


@dataclass(frozen=True)
class StoredFile:
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Answer:
    id: str
    request_id: str
    text: str
    received_at: datetime
    files: list[StoredFile]


def erasure_statement(request_ids: str) -> str:
    """The DELETE of every answer, and so of every file, of the requests `request_ids`
    (a subquery) selects."""
    return f"DELETE FROM information_answers WHERE request_id IN ({request_ids})"


class Documents:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self._db = db
        self._sealer = sealer

    async def store_answer(
        self,
        request_id: str,
        text: str,
        files: Sequence[AcceptedFile],
        *,
        submission: str | None = None,
    ) -> str:
        """Keep an answer with its files, all in one transaction; the answer's id. Given the
        form's one-time `submission` key, a second call with the same key keeps nothing more
        and returns the first answer's id."""
        check_count(len(files))
        answer_id = uuid.uuid4().hex
        async with self._db.transaction():
            kept = await self._db.fetchval(
                """INSERT INTO information_answers (id, request_id, submission, text)
                   VALUES ($1, $2, $3, $4)
                   ON CONFLICT (request_id, submission) DO NOTHING
                   RETURNING id""",
                answer_id,
                request_id,
                submission,
                text,
            )
            if kept is None:
                return str(
                    await self._db.fetchval(
                        """SELECT id FROM information_answers
                           WHERE request_id = $1 AND submission = $2""",
                        request_id,
                        submission,
                    )
                )
            for position, accepted in enumerate(files):
                await self._insert_file(answer_id, position, accepted)
        return answer_id

    async def _insert_file(self, answer_id: str, position: int, accepted: AcceptedFile) -> None:
        # One file read, sealed and written at a time: its plaintext is let go once sealed,
        # so the write holds the ciphertext (and the driver's copy of it), never the answer.
        file_id = uuid.uuid4().hex
        content = await accepted.read()
        key_id, sealed = self._sealer.seal(content, file_id.encode())
        del content
        await self._db.execute(
            """INSERT INTO answer_documents (id, answer_id, position, filename, content_type,
                                             size, sha256, key_id, sealed)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            file_id,
            answer_id,
            position,
            accepted.filename,
            accepted.content_type,
            accepted.size,
            accepted.sha256,
            key_id,
            sealed,
        )

    async def answers(self, request_id: str) -> list[Answer]:
        """The request's answers, oldest first, each with its files' metadata (no content)."""
        return (await self.answers_of([request_id])).get(request_id, [])

    async def answers_of(self, request_ids: Sequence[str]) -> dict[str, list[Answer]]:
        """The answers of several requests at once, by request id, oldest first."""
        rows = await self._db.fetch(
            """SELECT id, request_id, text, received_at FROM information_answers
               WHERE request_id = ANY($1::text[]) ORDER BY received_at, id""",
            list(request_ids),
        )
        files = await self._db.fetch(
            f"""SELECT {_FILE_COLUMNS} FROM answer_documents
                WHERE answer_id = ANY($1::text[]) ORDER BY answer_id, position""",
            [row["id"] for row in rows],
        )
        by_answer: dict[str, list[StoredFile]] = {}
        for f in files:
            by_answer.setdefault(f["answer_id"], []).append(_stored(f))
        found: dict[str, list[Answer]] = {}
        for row in rows:
            found.setdefault(row["request_id"], []).append(
                Answer(
                    id=row["id"],
                    request_id=row["request_id"],
                    text=row["text"],
                    received_at=row["received_at"],
                    files=by_answer.get(row["id"], []),
                )
            )
        return found

    async def file(self, file_id: str) -> tuple[StoredFile, bytes] | None:
        """A file's metadata and its exact bytes, opened; None when there is no such file."""
        row = await self._db.fetchrow(
            f"SELECT {_FILE_COLUMNS}, key_id, sealed FROM answer_documents WHERE id = $1",
            file_id,
        )
        if row is None:
            return None
        content = self._sealer.open(row["key_id"], row["sealed"], file_id.encode())
        return _stored(row), content


def _stored(row: asyncpg.Record) -> StoredFile:
    return StoredFile(
        id=row["id"],
        filename=row["filename"],
        content_type=row["content_type"],
        size=row["size"],
        sha256=row["sha256"],
    )
