"""The answers' documents on the real Commerce store: sealed at rest, opened after a key
rotation, and an answer with its files written whole or not at all."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, date, datetime

import asyncpg
import pytest
from cryptography.exceptions import InvalidTag

from accounts.sealing import KeyRing
from commerce.documents import SEALING_PURPOSE, Documents
from commerce.erasure import erase_onboarding
from commerce.information_requests import InformationRequests, NewRequest
from domain.documents import AcceptedFile, TooManyFiles, in_memory
from plumbing.settings import Settings
from plumbing.stores import Stores
from storage.database import Database, StoreUnavailable

KEYS = {"old": bytes(range(32)), "new": bytes(range(32, 64))}
PDF = b"%PDF-1.7\n" + "履歴事項全部証明書".encode() * 1000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def documents(stores: Stores, active: str = "old") -> Documents:
    keys = KEYS if active == "new" else {"old": KEYS["old"]}
    return Documents(stores.commerce, KeyRing(keys, active, purpose=SEALING_PURPOSE))


def accepted(content: bytes, name: str, content_type: str = "application/pdf") -> AcceptedFile:
    return AcceptedFile(
        filename=name,
        content_type=content_type,  # type: ignore[arg-type] # a test's own choice of type
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        read=in_memory(content),
    )


def request_id() -> str:
    return f"ir-{uuid.uuid4().hex}"


async def counts(db: Database, request: str) -> tuple[int, int]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM information_answers WHERE request_id = $1) AS answers,
                  (SELECT count(*) FROM answer_documents d JOIN information_answers a
                     ON a.id = d.answer_id WHERE a.request_id = $1) AS files""",
        request,
    )
    assert row is not None
    return row["answers"], row["files"]


async def test_an_answer_reads_back_with_its_files_metadata(stores: Stores) -> None:
    """The text, the time received and each file's name, type, size and digest, in order."""
    store, request = documents(stores), request_id()
    files = [accepted(PDF, "履歴事項全部証明書.pdf"), accepted(PNG, "bank.png", "image/png")]
    answer_id = await store.store_answer(request, "Here they are.", files)
    [answer] = await store.answers(request)
    assert (answer.id, answer.text) == (answer_id, "Here they are.")
    assert [(f.filename, f.content_type, f.size, f.sha256) for f in answer.files] == [
        (f.filename, f.content_type, f.size, f.sha256) for f in files
    ]


async def test_a_file_opens_to_its_exact_bytes(stores: Stores) -> None:
    """The download's bytes are the upload's, byte for byte."""
    store, request = documents(stores), request_id()
    await store.store_answer(request, "", [accepted(PDF, "a.pdf")])
    [answer] = await store.answers(request)
    opened = await store.file(answer.files[0].id)
    assert opened is not None
    assert opened[1] == PDF


async def test_the_content_is_not_stored_in_clear(stores: Stores) -> None:
    """The row holds the key's id and sealed bytes that contain no run of the plaintext."""
    store, request = documents(stores), request_id()
    await store.store_answer(request, "", [accepted(PDF, "a.pdf")])
    row = await stores.commerce.fetchrow(
        """SELECT d.key_id, d.sealed FROM answer_documents d
           JOIN information_answers a ON a.id = d.answer_id WHERE a.request_id = $1""",
        request,
    )
    assert row is not None
    assert row["key_id"] == "old"
    assert PDF[:16] not in row["sealed"]
    assert base64.b64encode(PDF[:48]) not in row["sealed"]


async def test_a_file_sealed_under_an_old_key_opens_after_rotation(stores: Stores) -> None:
    """With a new active key beside the old one, an old file opens and a new one is sealed
    under the new key."""
    request = request_id()
    await documents(stores, "old").store_answer(request, "", [accepted(PDF, "old.pdf")])
    rotated = documents(stores, "new")
    await rotated.store_answer(request, "", [accepted(PNG, "new.png", "image/png")])
    first, second = await rotated.answers(request)
    opened = await rotated.file(first.files[0].id)
    assert opened is not None
    assert opened[1] == PDF
    key_id = await stores.commerce.fetchval(
        "SELECT key_id FROM answer_documents WHERE id = $1", second.files[0].id
    )
    assert key_id == "new"


async def test_sealed_bytes_open_only_as_their_own_file(stores: Stores) -> None:
    """A file's sealed bytes copied into another file's row fail to open (the id is bound)."""
    store, request = documents(stores), request_id()
    await store.store_answer(request, "", [accepted(PDF, "a.pdf"), accepted(PDF, "b.pdf")])
    [answer] = await store.answers(request)
    first, second = answer.files
    await stores.commerce.execute(
        """UPDATE answer_documents SET sealed = (SELECT sealed FROM answer_documents
                                                 WHERE id = $1) WHERE id = $2""",
        first.id,
        second.id,
    )
    with pytest.raises(InvalidTag):
        await store.file(second.id)


async def test_a_failure_mid_answer_leaves_no_answer_and_no_file(stores: Stores) -> None:
    """The second file's row refused (a size over the table's limit) undoes the first file
    and the answer: nothing of the answer is kept."""
    store, request = documents(stores), request_id()
    lying = AcceptedFile("b.pdf", "application/pdf", 10 * 2**20 + 1, "0" * 64, in_memory(PDF))
    with pytest.raises(Exception, match="answer_documents_size_check"):
        await store.store_answer(request, "text", [accepted(PDF, "a.pdf"), lying])
    assert await counts(stores.commerce, request) == (0, 0)


async def test_an_interrupted_answer_leaves_no_orphan(stores: Stores) -> None:
    """A sealer that dies on the second file (as a crash would) leaves no row behind."""

    class DyingRing(KeyRing):
        sealed = 0

        def seal(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
            self.sealed += 1
            if self.sealed == 2:
                raise KeyboardInterrupt
            return super().seal(plaintext, context)

    ring = DyingRing({"old": KEYS["old"]}, "old", purpose=SEALING_PURPOSE)
    store, request = Documents(stores.commerce, ring), request_id()
    with pytest.raises(KeyboardInterrupt):
        await store.store_answer(request, "text", [accepted(PDF, "a.pdf")] * 2)
    assert await counts(stores.commerce, request) == (0, 0)


async def test_more_than_ten_files_are_refused_before_any_write(stores: Stores) -> None:
    """Eleven files: TooManyFiles, and no row."""
    store, request = documents(stores), request_id()
    with pytest.raises(TooManyFiles):
        await store.store_answer(request, "text", [accepted(PNG, "p.png", "image/png")] * 11)
    assert await counts(stores.commerce, request) == (0, 0)


async def test_the_same_submission_twice_keeps_one_answer(stores: Stores) -> None:
    """A form re-posted with its one-time key returns the first answer's id and adds nothing."""
    store, request = documents(stores), request_id()
    first = await store.store_answer(request, "a", [accepted(PDF, "a.pdf")], submission="k1")
    again = await store.store_answer(request, "a", [accepted(PDF, "a.pdf")], submission="k1")
    other = await store.store_answer(request, "b", [], submission="k2")
    assert again == first != other
    assert await counts(stores.commerce, request) == (2, 1)


async def test_the_answers_and_their_files_are_erased_with_the_onboarding(
    stores: Stores,
) -> None:
    """Erasing the onboarding deletes its requests' answers and every file of them."""
    reference, request = f"B2B-{uuid.uuid4().hex[:10]}", request_id()
    await InformationRequests(stores.commerce).create(
        NewRequest(
            id=request,
            reference=reference,
            lead_id=f"lead-{uuid.uuid4().hex}",
            message="Your registration certificate, please.",
            documents=["registration_certificate"],
            due=date(2030, 1, 31),
            expires_at=datetime(2030, 1, 31, 15, tzinfo=UTC),
            created_by="staff",
            token_salt="salt",
            token_hash=uuid.uuid4().hex,
        )
    )
    await documents(stores).store_answer(request, "Here.", [accepted(PDF, "a.pdf")] * 2)
    assert await counts(stores.commerce, request) == (1, 2)
    assert await erase_onboarding(stores.commerce, reference)
    assert await counts(stores.commerce, request) == (0, 0)


async def test_a_connection_killed_mid_answer_leaves_no_orphan(
    stores: Stores, settings: Settings
) -> None:
    """The server ends the answer's session between two files (as a crash of the web app or
    of PostgreSQL would): the store reports the outage and keeps no row of the answer."""

    class KilledMidAnswer(Documents):
        async def _insert_file(self, answer_id: str, position: int, file: AcceptedFile) -> None:
            if position == 1:
                pid = await stores.commerce.fetchval("SELECT pg_backend_pid()")
                other = await asyncpg.connect(settings.commerce_database_url)
                try:  # returns once the session is gone (PostgreSQL 14+)
                    assert await other.fetchval("SELECT pg_terminate_backend($1, 10000)", pid)
                finally:
                    await other.close()
            await super()._insert_file(answer_id, position, file)

    ring = KeyRing({"old": KEYS["old"]}, "old", purpose=SEALING_PURPOSE)
    store, request = KilledMidAnswer(stores.commerce, ring), request_id()
    with pytest.raises(StoreUnavailable):
        await store.store_answer(request, "text", [accepted(PDF, "a.pdf")] * 3)
    assert await counts(stores.commerce, request) == (0, 0)
