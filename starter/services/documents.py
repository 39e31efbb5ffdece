"""The documents applicants sent with their answers, as staff download them."""

from __future__ import annotations

from urllib.parse import quote

from commerce.documents import Documents, StoredFile
from starter.services.errors import NotFound

# Staff-only, under the staff API; the lead's requests list each file with this URL.
DOWNLOAD_PATH = "/api/sales/information-requests/files/{file_id}"


def download_url(file_id: str) -> str:
    return DOWNLOAD_PATH.format(file_id=quote(file_id, safe=""))


class DocumentDownloads:
    def __init__(self, documents: Documents) -> None:
        self._documents = documents

    async def download(self, file_id: str) -> tuple[StoredFile, bytes]:
        """The file's metadata and its exact bytes; NotFound when there is no such file."""
        opened = await self._documents.file(file_id)
        if opened is None:
            raise NotFound("file")
        return opened
