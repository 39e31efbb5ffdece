"""The documents applicants sent with their answers, as staff download them."""

from __future__ import annotations

import logging
from urllib.parse import quote

from accounts.sealing import UnknownKey
from commerce.documents import Documents, StoredFile
from starter.services.errors import NotFound

log = logging.getLogger(__name__)

# Staff-only, under the staff API; the lead's requests list each file with this URL.
DOWNLOAD_PATH = "/api/sales/information-requests/files/{file_id}"


def download_url(file_id: str) -> str:
    return DOWNLOAD_PATH.format(file_id=quote(file_id, safe=""))


class KeyNotConfigured(Exception):
    """The document was sealed under a key that is no longer among the configured keys: it
    cannot be opened until that key is configured again (see docs/security.md)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"the key this document was stored with ({key_id}) is not configured; "
            "add it back to ONBOARDING_ENCRYPTION_KEYS to open it"
        )
        self.key_id = key_id


class DocumentDownloads:
    def __init__(self, documents: Documents) -> None:
        self._documents = documents

    async def download(self, file_id: str) -> tuple[StoredFile, bytes]:
        """The file's metadata and its exact bytes; NotFound when there is no such file,
        KeyNotConfigured when the key it was sealed with is gone."""
        try:
            opened = await self._documents.file(file_id)
        except UnknownKey as missing:
            key_id = str(missing)
            # The file's id and the key's, never its name: the name is the applicant's.
            log.error("document %s is sealed with key %s, which is not configured", file_id, key_id)
            raise KeyNotConfigured(key_id) from None
        if opened is None:
            raise NotFound("file")
        return opened
