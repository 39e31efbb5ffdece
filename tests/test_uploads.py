"""Uploads through a served route built like the applicant's page (the upload helper, the
body limit, the store): each bad input a clear refusal naming `Documents`, nothing stored."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from commerce.documents import Documents
from domain.documents import MAX_FILE_BYTES, DocumentRefused
from plumbing.stores import Stores
from starter.common.uploads import UPLOAD_BODY_LIMIT, accepted_files, upload_form
from tests.conftest import WebApp, serving

PDF = b"%PDF-1.7\n" + b"0" * 1000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
EXE = b"MZ\x90\x00" + b"\x00" * 500

Files = list[tuple[str, tuple[str, bytes, str]]]


def upload_app(documents: Documents) -> FastAPI:
    app = FastAPI()

    @app.post("/answer", max_body_size=UPLOAD_BODY_LIMIT)
    async def answer(request: Request) -> JSONResponse:
        try:
            async with upload_form(request) as form:
                files = await accepted_files(form.getlist("documents"))
                request_id, text = str(form["request"]), str(form["answer"])
                # Within the form: the files are read from its temporary files as stored.
                answer_id = await documents.store_answer(request_id, text, files)
        except DocumentRefused as refused:
            problem = {"field": refused.field, "code": refused.code, "message": str(refused)}
            return JSONResponse(problem, status_code=422)
        return JSONResponse({"answer_id": answer_id})

    return app


@pytest_asyncio.fixture(loop_scope="session")
async def uploads(stores: Stores, web: WebApp) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(upload_app(stores.documents(web.settings))) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as session,
    ):
        yield session


async def send(http: httpx.AsyncClient, files: Files) -> tuple[str, httpx.Response]:
    request_id = f"ir-{uuid.uuid4().hex}"
    data = {"request": request_id, "answer": "Please find them attached."}
    return request_id, await http.post("/answer", data=data, files=files)


async def nothing_stored(stores: Stores, request_id: str) -> bool:
    rows = await stores.commerce.fetchval(
        """SELECT count(*) FROM information_answers a
           LEFT JOIN answer_documents d ON d.answer_id = a.id WHERE a.request_id = $1""",
        request_id,
    )
    return bool(rows == 0)


def doc(name: str, content: bytes, declared: str = "application/pdf") -> tuple[str, tuple]:  # type: ignore[type-arg]
    return ("documents", (name, content, declared))


async def test_a_pdf_and_a_png_are_stored_with_their_digests(
    uploads: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Both files kept with the answer, named as sent, sized and hashed from their bytes."""
    request_id, response = await send(
        uploads, [doc("履歴事項全部証明書.pdf", PDF), doc("bank.png", PNG, "image/png")]
    )
    assert response.status_code == 200, response.text
    [answer] = await stores.documents(web.settings).answers(request_id)
    assert [(f.filename, f.content_type, f.size, f.sha256) for f in answer.files] == [
        ("履歴事項全部証明書.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("bank.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest()),
    ]


async def test_no_file_chosen_is_an_answer_without_files(
    uploads: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """The empty part a browser sends for an untouched file input is no file, not an error."""
    request_id, response = await send(uploads, [doc("", b"", "application/octet-stream")])
    assert response.status_code == 200, response.text
    [answer] = await stores.documents(web.settings).answers(request_id)
    assert answer.files == []


async def test_an_exe_named_pdf_is_refused_and_nothing_is_stored(
    uploads: httpx.AsyncClient, stores: Stores
) -> None:
    """A good PDF and an EXE named .pdf: the refusal names the EXE; not even the PDF is kept."""
    request_id, response = await send(uploads, [doc("ok.pdf", PDF), doc("invoice.pdf", EXE)])
    assert response.status_code == 422
    assert response.json() == {
        "field": "Documents",
        "code": "wrong_type",
        "message": "invoice.pdf is not a PDF, PNG or JPEG file",
    }
    assert await nothing_stored(stores, request_id)


async def test_a_file_one_byte_over_ten_megabytes_is_refused(
    uploads: httpx.AsyncClient, stores: Stores
) -> None:
    """A 10 MiB + 1 byte PDF: too large, nothing stored."""
    big = PDF + b"0" * (MAX_FILE_BYTES + 1 - len(PDF))
    request_id, response = await send(uploads, [doc("big.pdf", big)])
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("Documents", "too_large")
    assert await nothing_stored(stores, request_id)


async def test_a_zero_byte_file_is_refused(uploads: httpx.AsyncClient, stores: Stores) -> None:
    """A chosen file of no bytes: empty, nothing stored."""
    request_id, response = await send(uploads, [doc("blank.pdf", b"")])
    assert response.status_code == 422
    assert response.json()["code"] == "empty"
    assert await nothing_stored(stores, request_id)


async def test_html_is_refused(uploads: httpx.AsyncClient, stores: Stores) -> None:
    """An HTML page sent as an image: wrong type, nothing stored."""
    html = b"<html><script>alert(1)</script></html>"
    request_id, response = await send(uploads, [doc("photo.png", html, "image/png")])
    assert response.json()["code"] == "wrong_type"
    assert await nothing_stored(stores, request_id)


async def test_eleven_files_are_refused(uploads: httpx.AsyncClient, stores: Stores) -> None:
    """Eleven good files: too many, nothing stored."""
    request_id, response = await send(uploads, [doc(f"{n}.pdf", PDF) for n in range(11)])
    assert response.status_code == 422
    assert response.json()["code"] == "too_many"
    assert await nothing_stored(stores, request_id)


async def test_fifty_one_files_stop_the_parser_with_the_same_refusal(
    uploads: httpx.AsyncClient, stores: Stores
) -> None:
    """Past the parser's own cap the answer is still the page's too-many refusal."""
    request_id, response = await send(uploads, [doc(f"{n}.pdf", PDF) for n in range(51)])
    assert response.status_code == 422
    assert response.json()["code"] == "too_many"
    assert await nothing_stored(stores, request_id)


async def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(
    uploads: httpx.AsyncClient,
) -> None:
    """Headers announcing more than ten full files get 413 with no byte of the body sent."""
    host, port = uploads.base_url.host, uploads.base_url.port
    assert port is not None
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"POST /answer HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {UPLOAD_BODY_LIMIT + 1}\r\n\r\n".encode()
    )
    await writer.drain()
    async with asyncio.timeout(30):
        status_line = await reader.readline()
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413 ")
