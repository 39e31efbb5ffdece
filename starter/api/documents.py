"""The documents of the applicants' answers, downloaded by staff (with either Sales backend)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import Response

from domain.documents import CONTENT_TYPES
from starter.api.common import NOT_FOUND, STAFF, found
from starter.common.auth import ServicesDep, StaffDep
from starter.common.problem import Problem
from starter.services.documents import DOWNLOAD_PATH, KeyNotConfigured

router = APIRouter()

# The bytes are the applicant's: never run, never shown inline, never framed.
_SANDBOX = "default-src 'none'; sandbox"
_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's exact bytes as an attachment, in its stored type.",
        "content": {
            content_type: {"schema": {"type": "string", "format": "binary"}}
            for content_type in CONTENT_TYPES
        },
        "headers": {
            "Content-Disposition": {
                "description": "attachment, with the sanitized name as filename (ASCII) and "
                "filename* (UTF-8)",
                "schema": {"type": "string"},
            }
        },
    },
    503: {
        "model": Problem,
        "description": "The key the file was stored with is not configured (or a store is "
        "down for a moment).",
    },
}


def content_disposition(filename: str) -> str:
    """`attachment` with the name twice (RFC 6266): an ASCII stand-in for old clients, and
    the name itself in UTF-8 (RFC 8187's `filename*`)."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    DOWNLOAD_PATH.removeprefix("/api"),
    response_class=Response,
    responses=_FILE | NOT_FOUND | STAFF,
)
async def download_file(
    services: ServicesDep, _: StaffDep, file_id: str = Path(max_length=64)
) -> Response:
    """One document of an applicant's answer, for download: always an attachment, named as
    sanitized when it was received, with `nosniff` and the type its content showed. 503 when
    the key it was stored with is no longer configured."""
    with found():
        try:
            stored, content = await services.documents.download(file_id)
        except KeyNotConfigured as missing:
            raise HTTPException(status_code=503, detail=str(missing)) from None
    return Response(
        content,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": content_disposition(stored.filename),
            "Content-Security-Policy": _SANDBOX,
            "X-Content-Type-Options": "nosniff",
        },
    )
