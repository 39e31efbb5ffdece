"""Bad documents on the applicant's page of the real web app: too large, empty, too many, a
body over the route's limit. Each a clear refusal naming `Documents`, and nothing kept."""

from __future__ import annotations

import asyncio

import httpx

from devstack.smtp import SmtpSink
from domain.documents import MAX_FILE_BYTES
from plumbing.stores import Stores
from starter.common.uploads import UPLOAD_BODY_LIMIT
from tests.conftest import WebApp
from tests.test_information_page import PDF, answers_of, asked, form_of, send


async def test_a_file_one_byte_over_ten_megabytes_is_refused_on_the_page(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A 10 MiB + 1 byte PDF beside a good one: 422, the size error at Documents, no answer."""
    lead_id, _, path = await asked(http, web, smtp)
    big = PDF + b"0" * (MAX_FILE_BYTES + 1 - len(PDF))
    files = [("ok.pdf", PDF, "application/pdf"), ("big.pdf", big, "application/pdf")]
    response = await send(http, await form_of(http, path), "Here.", files)
    assert response.status_code == 422
    assert 'href="#documents"' in response.text
    assert "A file is larger than 10 MB." in response.text
    assert await answers_of(stores, lead_id) == []


async def test_a_zero_byte_file_is_refused_on_the_page(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A chosen file of no bytes: 422, the empty-file error, no answer."""
    lead_id, _, path = await asked(http, web, smtp)
    files = [("blank.pdf", b"", "application/pdf")]
    response = await send(http, await form_of(http, path), "Here.", files)
    assert response.status_code == 422
    assert "A file is empty." in response.text
    assert await answers_of(stores, lead_id) == []


async def test_eleven_files_are_refused_on_the_page(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Eleven good PDFs: 422, the too-many error, no answer and no file."""
    lead_id, _, path = await asked(http, web, smtp)
    files = [(f"{n}.pdf", PDF, "application/pdf") for n in range(11)]
    response = await send(http, await form_of(http, path), "Here.", files)
    assert response.status_code == 422
    assert "Too many files (at most 10)." in response.text
    assert await answers_of(stores, lead_id) == []


async def test_a_body_over_the_limit_is_refused_before_it_is_read(web: WebApp) -> None:
    """A POST announcing more than ten full files gets 413 with no byte of its body sent."""
    url = httpx.URL(web.url)
    assert url.port is not None
    reader, writer = await asyncio.open_connection(url.host, url.port)
    writer.write(
        f"POST /partner/information HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {UPLOAD_BODY_LIMIT + 1}\r\n\r\n".encode()
    )
    await writer.drain()
    async with asyncio.timeout(30):
        status_line = await reader.readline()
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413 ")
