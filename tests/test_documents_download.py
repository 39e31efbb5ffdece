"""The staff download of an answer's document: staff only, an attachment with the sanitized
name, `nosniff`, the stored type and the exact bytes."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from urllib.parse import quote

import httpx
import pytest

from accounts.sealing import KeyRing
from commerce.documents import SEALING_PURPOSE, Documents
from domain.documents import AcceptedFile, in_memory
from plumbing.stores import Stores
from starter.services import documents as document_service
from starter.services.documents import download_url
from tests.account_helpers import signed_in_staff
from tests.conftest import WebApp

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
NAME = "履歴事項全部証明書 (2026).pdf"


def accepted(name: str) -> AcceptedFile:
    return AcceptedFile(
        name, "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), in_memory(PDF)
    )


async def stored_file(stores: Stores, web: WebApp, name: str = NAME) -> str:
    """A one-file answer kept by the web app's own store; the file's id."""
    documents = stores.documents(web.settings)
    request = f"ir-{uuid.uuid4().hex}"
    await documents.store_answer(request, "Attached.", [accepted(name)])
    [answer] = await documents.answers(request)
    return answer.files[0].id


async def test_the_download_is_the_exact_bytes_in_the_stored_type(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """200 with the bytes sent, byte for byte, as application/pdf."""
    response = await http.get(download_url(await stored_file(stores, web)), headers=web.staff())
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"


async def test_the_download_is_an_attachment_with_the_name_in_utf8(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Content-Disposition: attachment, an ASCII stand-in and filename* with the real name."""
    response = await http.get(download_url(await stored_file(stores, web)), headers=web.staff())
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="_________ (2026).pdf"' in disposition
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition


async def test_the_download_is_never_sniffed_nor_run(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """nosniff, and a sandboxing policy that lets the bytes run nothing if opened."""
    response = await http.get(download_url(await stored_file(stores, web)), headers=web.staff())
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"


async def test_a_quote_in_a_name_cannot_break_the_header(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A name with a double quote and a percent sign keeps the header's one parameter each."""
    file_id = await stored_file(stores, web, name='a"b%20;c.pdf')
    response = await http.get(download_url(file_id), headers=web.staff())
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"a_b_20;c.pdf\"; filename*=UTF-8''a%22b%2520%3Bc.pdf"
    )


async def test_the_download_needs_the_staff_token(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Without credentials: 401, and not a byte of the file."""
    response = await http.get(download_url(await stored_file(stores, web)))
    assert response.status_code == 401
    assert PDF[:32] not in response.content


async def test_a_signed_in_staff_member_downloads_from_the_console(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """The console's session (second factor passed) opens the download as the token does."""
    file_id = await stored_file(stores, web)
    await signed_in_staff(http, stores, web)
    response = await http.get(download_url(file_id))
    assert response.status_code == 200
    assert response.content == PDF


async def test_an_unknown_file_is_not_found(http: httpx.AsyncClient, web: WebApp) -> None:
    """404 naming the file, for an id no file has."""
    response = await http.get(download_url(uuid.uuid4().hex), headers=web.staff())
    assert response.status_code == 404
    assert response.json() == {"detail": "file not found"}


async def test_a_file_under_a_removed_key_is_503_naming_the_key(
    http: httpx.AsyncClient, stores: Stores, web: WebApp, caplog: pytest.LogCaptureFixture
) -> None:
    """A file sealed under a key no longer configured: 503 saying so, logged by ids only."""
    retired = f"retired-{uuid.uuid4().hex[:8]}"
    ring = KeyRing({retired: os.urandom(32)}, retired, purpose=SEALING_PURPOSE)
    request = f"ir-{uuid.uuid4().hex}"
    await Documents(stores.commerce, ring).store_answer(request, "Attached.", [accepted(NAME)])
    [answer] = await stores.documents(web.settings).answers(request)
    caplog.set_level(logging.ERROR, logger=document_service.__name__)
    response = await http.get(download_url(answer.files[0].id), headers=web.staff())
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert f"the key this document was stored with ({retired}) is not configured" in detail
    assert PDF[:32] not in response.content
    assert answer.files[0].id in caplog.text
    assert retired in caplog.text
    assert "履歴" not in caplog.text
