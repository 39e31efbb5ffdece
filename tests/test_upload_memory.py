"""An answer's files are checked and stored one at a time: the memory an upload holds does not
grow with the number of its files (each 10 MB file at most once in memory, never the ten)."""

from __future__ import annotations

import os
import tempfile
import tracemalloc
import uuid
from typing import BinaryIO, cast

from starlette.datastructures import UploadFile

from commerce.documents import Documents
from domain.documents import MAX_FILES
from plumbing.stores import Stores
from starter.common.uploads import accepted_files
from tests.conftest import WebApp

FILE_BYTES = 2 * 2**20
# As the form's parser spools a file: in memory up to 1 MiB, on disk beyond.
SPOOL_BYTES = 2**20


def spooled_pdf(number: int) -> UploadFile:
    """A PDF of random bytes written to a temporary file as the parser does, a part at a time."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the test
    spool.write(b"%PDF-1.7\n")
    while (written := spool.tell()) < FILE_BYTES:
        spool.write(os.urandom(min(SPOOL_BYTES, FILE_BYTES - written)))
    spool.seek(0)
    # The parser hands Starlette's UploadFile the same kind of file.
    return UploadFile(cast(BinaryIO, spool), size=FILE_BYTES, filename=f"statement-{number}.pdf")


async def peak_storing(documents: Documents, count: int) -> int:
    """The most memory allocated at once while `count` files are checked and stored."""
    uploads = [spooled_pdf(n) for n in range(count)]
    tracemalloc.start()
    try:
        files = await accepted_files(uploads)
        await documents.store_answer(f"ir-{uuid.uuid4().hex}", "Attached.", files)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        for upload in uploads:
            await upload.close()


async def test_ten_files_hold_no_more_memory_than_two(stores: Stores, web: WebApp) -> None:
    """The peak for ten 2 MiB files is within one file of the peak for two."""
    documents = stores.documents(web.settings)
    await peak_storing(documents, 1)  # the store's connection and buffers, once
    two = await peak_storing(documents, 2)
    ten = await peak_storing(documents, MAX_FILES)
    assert ten < two + FILE_BYTES
