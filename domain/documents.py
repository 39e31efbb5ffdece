"""Documents an applicant sends with an answer: what is accepted, and how a file is named.

Only PDF, PNG and JPEG, told by their first bytes (magic numbers), never by name or by the
browser's word. At most `MAX_FILES` files of at most `MAX_FILE_BYTES` each per answer; an
empty file is refused. Every refusal names the page's field, `Documents`.

A file's name is the sender's word only, kept for the download: `sanitize_filename` keeps
its last path component, drops control and format characters (bidirectional overrides
among them), replaces the characters Windows reserves, trims spaces and dots, caps the
length at `MAX_NAME_BYTES` of UTF-8 and makes the extension agree with the content. The
rule for the extension: the name's last extension is kept when it names the sniffed type
(in any case; `.jpg`, `.jpeg`, `.jpe` for JPEG); otherwise the type's own extension is
appended, so `scan.exe` that holds a PDF is named `scan.exe.pdf` and nothing is hidden.
Unicode names stay as written (NFC): `履歴事項全部証明書.pdf`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

FIELD = "Documents"
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
# Enough bytes to tell the three types apart.
SNIFF_BYTES = 8
# Room for a name on every file system (255 bytes) and in a header, with bytes to spare.
MAX_NAME_BYTES = 200

ContentType = Literal["application/pdf", "image/png", "image/jpeg"]
CONTENT_TYPES: tuple[ContentType, ...] = ("application/pdf", "image/png", "image/jpeg")
_MAGIC: tuple[tuple[bytes, ContentType], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_EXTENSIONS: dict[ContentType, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
}
_RESERVED = frozenset('<>:"/\\|?*')
_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
)
_UNNAMED = "document"


@dataclass(frozen=True)
class AcceptedFile:
    """A file that passed every check: what was learnt reading it, and `read`, which gives its
    content when it is stored. The content stays where it arrived (the upload's temporary
    file) until then, so an answer's files are held in memory one at a time, never all."""

    filename: str
    content_type: ContentType
    size: int
    sha256: str
    read: Callable[[], Awaitable[bytes]]


def in_memory(content: bytes) -> Callable[[], Awaitable[bytes]]:
    """A `read` for content already in memory (a small file)."""

    async def read() -> bytes:
        return content

    return read


class DocumentRefused(ValueError):
    """A file, or the set of files, the rules refuse; `code` names the rule for the page."""

    field = FIELD
    code = "refused"

    def __init__(self, message: str, filename: str | None = None) -> None:
        super().__init__(message)
        self.filename = filename


class TooManyFiles(DocumentRefused):
    code = "too_many"


class FileTooLarge(DocumentRefused):
    code = "too_large"


class EmptyFile(DocumentRefused):
    code = "empty"


class WrongType(DocumentRefused):
    code = "wrong_type"


def sniff(first_bytes: bytes) -> ContentType | None:
    """The type the content's first bytes announce, or None when it is none of the three."""
    for magic, content_type in _MAGIC:
        if first_bytes.startswith(magic):
            return content_type
    return None


def check_count(count: int) -> None:
    if count > MAX_FILES:
        raise TooManyFiles(f"at most {MAX_FILES} files per answer; {count} were sent")


def check_size(size: int, filename: str) -> None:
    """Refuses a file of no bytes or over the limit (callable while it is still arriving)."""
    if size == 0:
        raise EmptyFile(f"{filename} is empty", filename)
    if size > MAX_FILE_BYTES:
        raise FileTooLarge(f"{filename} is larger than {MAX_FILE_BYTES // 2**20} MB", filename)


def check_type(first_bytes: bytes, filename: str) -> ContentType:
    content_type = sniff(first_bytes)
    if content_type is None:
        raise WrongType(f"{filename} is not a PDF, PNG or JPEG file", filename)
    return content_type


def clean_name(name: str) -> str:
    """The name's last path component without control, format or reserved characters, its
    runs of white space made one space, spaces and dots trimmed: safe to show in an error."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(_clean_char(c) for c in name if unicodedata.category(c)[0] != "C")
    return _capped(" ".join(name.split()).strip(" ."), MAX_NAME_BYTES)


def sanitize_filename(name: str, content_type: ContentType) -> str:
    """A name safe to show and to offer for download, its extension agreeing with the type."""
    name = clean_name(name)
    stem, dot, extension = name.rpartition(".")
    if dot and f".{extension.lower()}" in _EXTENSIONS[content_type]:
        extension = f".{extension}"
    else:
        stem, extension = name, _EXTENSIONS[content_type][0]
    stem = stem.rstrip(" .") or _UNNAMED
    if stem.split(".")[0].upper() in _DEVICE_NAMES:
        stem = f"_{stem}"
    stem = _capped(stem, MAX_NAME_BYTES - len(extension.encode())).rstrip(" .") or _UNNAMED
    return stem + extension


def _capped(text: str, max_bytes: int) -> str:
    """`text` cut at a character boundary to at most `max_bytes` of UTF-8."""
    return text.encode()[:max_bytes].decode(errors="ignore")


def _clean_char(char: str) -> str:
    return "_" if char in _RESERVED else char
