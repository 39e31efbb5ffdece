"""What a document may be (by content, count and size) and how its name is made safe."""

from __future__ import annotations

import pytest

from domain.documents import (
    FIELD,
    MAX_FILE_BYTES,
    MAX_NAME_BYTES,
    EmptyFile,
    FileTooLarge,
    TooManyFiles,
    WrongType,
    check_count,
    check_size,
    check_type,
    sanitize_filename,
    sniff,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script>"


@pytest.mark.parametrize(
    ("first_bytes", "content_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_the_three_types_are_told_by_their_first_bytes(
    first_bytes: bytes, content_type: str
) -> None:
    """PDF, PNG and JPEG are recognised from their magic numbers."""
    assert sniff(first_bytes) == content_type


@pytest.mark.parametrize("first_bytes", [EXE, HTML, b"", b"%PD", b"GIF89a", b" %PDF-1.7"])
def test_anything_else_is_refused_as_the_wrong_type(first_bytes: bytes) -> None:
    """An EXE, HTML, nothing, a cut-off header, a GIF or a shifted header: WrongType."""
    with pytest.raises(WrongType) as refused:
        check_type(first_bytes, "invoice.pdf")
    assert (refused.value.field, refused.value.code) == (FIELD, "wrong_type")


def test_an_exe_named_pdf_is_refused_whatever_its_name() -> None:
    """The name says PDF; the content says otherwise, and the content decides."""
    with pytest.raises(WrongType, match=r"invoice\.pdf is not a PDF, PNG or JPEG file"):
        check_type(EXE, "invoice.pdf")


def test_a_zero_byte_file_is_refused_as_empty() -> None:
    """Size 0: EmptyFile, naming the file."""
    with pytest.raises(EmptyFile) as refused:
        check_size(0, "scan.pdf")
    assert (refused.value.filename, refused.value.code) == ("scan.pdf", "empty")


def test_one_byte_over_ten_megabytes_is_refused() -> None:
    """10 MiB is accepted, 10 MiB + 1 byte is FileTooLarge."""
    check_size(MAX_FILE_BYTES, "big.pdf")
    with pytest.raises(FileTooLarge) as refused:
        check_size(MAX_FILE_BYTES + 1, "big.pdf")
    assert refused.value.code == "too_large"


def test_eleven_files_are_too_many() -> None:
    """Ten files pass the count, eleven are TooManyFiles."""
    check_count(10)
    with pytest.raises(TooManyFiles) as refused:
        check_count(11)
    assert (refused.value.field, refused.value.code) == (FIELD, "too_many")


@pytest.mark.parametrize(
    ("sent", "content_type", "kept"),
    [
        ("履歴事項全部証明書.pdf", "application/pdf", "履歴事項全部証明書.pdf"),
        ("C:\\Users\\aiko\\Desktop\\bank.png", "image/png", "bank.png"),
        ("../../etc/passwd.pdf", "application/pdf", "passwd.pdf"),
        ("scan\x00\x1b[31m\r\n.pdf", "application/pdf", "scan[31m.pdf"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.exe.pdf"),
        ('a<b>c:d"e|f?g*.pdf', "application/pdf", "a_b_c_d_e_f_g_.pdf"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("photo.png", "image/jpeg", "photo.png.jpg"),
        ("scan.exe", "application/pdf", "scan.exe.pdf"),
        ("  report .  ", "application/pdf", "report.pdf"),
        ("", "image/png", "document.png"),
        ("...", "application/pdf", "document.pdf"),
        ("CON.pdf", "application/pdf", "_CON.pdf"),
        ("NFD\u0301é.pdf", "application/pdf", "NFD\u0301é.pdf"),
    ],
)
def test_names_are_sanitized(sent: str, content_type: str, kept: str) -> None:
    """Path, control, format and reserved characters go; Unicode stays; the extension agrees
    with the content."""
    assert sanitize_filename(sent, content_type) == kept  # type: ignore[arg-type]


def test_a_long_name_is_cut_keeping_its_extension_and_whole_characters() -> None:
    """A name of 300 kanji is cut to the byte cap at a character boundary, `.pdf` kept."""
    kept = sanitize_filename("証" * 300 + ".pdf", "application/pdf")
    assert kept.endswith("証.pdf")
    assert len(kept.encode()) <= MAX_NAME_BYTES
    assert set(kept.removesuffix(".pdf")) == {"証"}
