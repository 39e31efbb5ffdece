"""Uploaded documents read with bounded memory, and checked before anything is stored.

A form with files is parsed by Starlette (python-multipart): each file part goes to a
temporary file that stays in memory up to 1 MiB and moves to disk beyond, so the parse holds
about a megabyte per file whatever the file's size. The route that takes the upload sets
`max_body_size=UPLOAD_BODY_LIMIT` (FastAPI's per-route body limit): a request announcing a
larger body is refused with 413 before a byte of it is read, and one that sends more than it
announced is cut off at the limit. `upload_form` parses with the part and file counts
capped, and deletes the temporary files afterwards.

`accepted_files` then reads each file once, up to one byte past the limit, refuses it by
size or by its first bytes, hashes it and names it: the answer's files as `AcceptedFile`s
or a `DocumentRefused` naming the field, before anything is written.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Sequence

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from domain.documents import (
    MAX_FILE_BYTES,
    MAX_FILES,
    SNIFF_BYTES,
    AcceptedFile,
    TooManyFiles,
    WrongType,
    check_count,
    check_size,
    check_type,
    clean_name,
    sanitize_filename,
)

# Ten full files, and room for the answer's text and the parts' headers.
UPLOAD_BODY_LIMIT = MAX_FILES * MAX_FILE_BYTES + 2**20
# Text fields of the answer form: the answer itself, the anti-CSRF token, the submission key.
_MAX_TEXT_FIELDS = 16
_MAX_TEXT_BYTES = 256 * 1024
# Files beyond the limit still parse, up to here, so that the page can say how many is too
# many; a request with more stops at the parser (400).
_MAX_FILE_PARTS = 5 * MAX_FILES
_TOO_MANY_FILES = "Too many files"


@contextlib.asynccontextmanager
async def upload_form(request: Request) -> AsyncIterator[FormData]:
    """The request's multipart form, its files spooled and closed (their temporary files
    deleted) on leaving; TooManyFiles past the parser's cap."""
    try:
        form = await request.form(
            max_files=_MAX_FILE_PARTS, max_fields=_MAX_TEXT_FIELDS, max_part_size=_MAX_TEXT_BYTES
        )
    except HTTPException as error:
        if error.status_code == 400 and str(error.detail).startswith(_TOO_MANY_FILES):
            raise TooManyFiles(f"at most {MAX_FILES} files per answer") from None
        raise
    try:
        yield form
    finally:
        await form.close()


def chosen_files(values: Sequence[UploadFile | str]) -> list[UploadFile | str]:
    """The field's values but the empty part a browser sends when no file was chosen."""
    return [value for value in values if _chosen(value)]


def _chosen(value: UploadFile | str) -> bool:
    if isinstance(value, UploadFile):
        return bool(value.filename) or bool(value.size)
    return value != ""


async def accepted_files(values: Sequence[UploadFile | str]) -> list[AcceptedFile]:
    """The field's files read, checked and named; DocumentRefused for the first that fails
    (or for too many), in which case nothing of them is kept."""
    chosen = chosen_files(values)
    check_count(len(chosen))
    return [await _accepted(value) for value in chosen]


async def _accepted(value: UploadFile | str) -> AcceptedFile:
    if not isinstance(value, UploadFile):
        raise WrongType("a document must be sent as a file")
    shown = clean_name(value.filename or "")
    if value.size is not None:
        check_size(value.size, shown)  # before reading a byte of it
    await value.seek(0)
    content = await value.read(MAX_FILE_BYTES + 1)
    check_size(len(content), shown)
    content_type = check_type(content[:SNIFF_BYTES], shown)
    return AcceptedFile(
        filename=sanitize_filename(value.filename or "", content_type),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
