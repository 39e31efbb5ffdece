"""Uploaded documents read with bounded memory, and checked before anything is stored.

A form with files is parsed by Starlette (python-multipart): each file part goes to a
temporary file that stays in memory up to 1 MiB and moves to disk beyond, so the parse holds
about a megabyte per file whatever the file's size. The route that takes the upload sets
`max_body_size=UPLOAD_BODY_LIMIT` (FastAPI's per-route body limit): a request announcing a
larger body is refused with 413 before a byte of it is read, and one that sends more than it
announced is cut off at the limit. `upload_form` parses with the part and file counts
capped, and deletes the temporary files afterwards.

`accepted_files` then reads each file through once, a megabyte at a time, refuses it by size
or by its first bytes, hashes it and names it: the answer's files as `AcceptedFile`s or a
`DocumentRefused` naming the field, before anything is written. Their content stays in the
temporary files: each `AcceptedFile.read` reads its file again, whole, when the store seals
and writes it, one file after the other, so an upload holds one file's content at a time
(and only while the form is open: within `upload_form`). The temporary files are the
process's own, so the second reading finds what the first checked; its size is checked again.
"""

from __future__ import annotations

import contextlib
import functools
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
# What the check of a file holds of it at a time.
_CHUNK_BYTES = 2**20


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
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := await value.read(_CHUNK_BYTES):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            check_size(size, shown)
        digest.update(chunk)
    check_size(size, shown)
    content_type = check_type(head, shown)
    return AcceptedFile(
        filename=sanitize_filename(value.filename or "", content_type),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        read=functools.partial(_content, value, size),
    )


async def _content(upload: UploadFile, size: int) -> bytes:
    """The file's whole content, read again when it is stored."""
    await upload.seek(0)
    content = await upload.read(size + 1)
    if len(content) != size:
        raise OSError(f"an uploaded file changed size since it was checked ({size} bytes)")
    return content
