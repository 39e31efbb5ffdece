"""The applicant's page of an information request: the link from the email opens it, an
answer with files is kept whole and receipted, a wrong, closed or expired link shows only the
page that explains it, and two tabs sending at once make two whole answers."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from html import unescape

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp
from tests.factories import unique_email
from tests.information_request_helpers import SHOP_ZONE

PDF = b"%PDF-1.7\n" + b"1" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
EXE = b"MZ\x90\x00" + b"\x00" * 300
LINK = re.compile(r"https?://\S+?\?token=[\w-]+&lang=\w+")
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


async def asked(http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink) -> tuple[str, str, str]:
    """A new onboarding asked for its registration certificate: the lead id, the applicant's
    email and the page's path with its token, as the email gives it."""
    email = unique_email()
    response = await http.post("/api/onboarding-requests", json=request_body(email=email))
    reference = response.json()["reference"]
    lead_id = (await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id"))["lead_id"]
    due = (datetime.now(SHOP_ZONE).date() + timedelta(days=5)).isoformat()
    body = {"message": "Your certificate, please.", "documents": ["registration_certificate"]}
    path = f"/api/sales/leads/{lead_id}/information-requests"
    assert (await http.post(path, json=body | {"due": due}, headers=web.staff())).status_code == 201
    return lead_id, email, await page_in_mail(smtp, email)


async def page_in_mail(smtp: SmtpSink, email: str) -> str:
    """The page's path with its token, from the first email to `email` that links it."""
    async with asyncio.timeout(20):
        while True:
            for mail in smtp.messages_to(email):
                found = LINK.search(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
                if found:
                    link = found[0]
                    return link[link.index("/", link.index("//") + 2) :]
            await asyncio.sleep(0.05)


async def form_of(http: httpx.AsyncClient, path: str) -> dict[str, str]:
    page = await http.get(path)
    assert page.status_code == 200, page.text
    return {name: unescape(value) for name, value in HIDDEN.findall(page.text)}


async def send(
    http: httpx.AsyncClient, form: dict[str, str], text: str, files: list[tuple[str, bytes, str]]
) -> httpx.Response:
    parts = [("documents", f) for f in files]
    return await http.post(
        "/partner/information?lang=en", data=form | {"answer": text}, files=parts
    )


async def answers_of(stores: Stores, lead_id: str) -> list[tuple[str, int]]:
    rows = await stores.commerce.fetch(
        """SELECT a.text, count(d.id) AS files FROM information_answers a
           JOIN information_requests r ON r.id = a.request_id
           LEFT JOIN answer_documents d ON d.answer_id = a.id
           WHERE r.lead_id = $1 GROUP BY a.id, a.text ORDER BY a.text""",
        lead_id,
    )
    return [(row["text"], row["files"]) for row in rows]


async def test_the_page_shows_the_request_and_its_form(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """The emailed link opens the message, the documents asked for, Answer, Documents, Send;
    privately (no Referer, no cache)."""
    _, _, path = await asked(http, web, smtp)
    page = await http.get(path)
    assert page.status_code == 200
    for text in ("Your certificate, please.", "Certificate of registered matters", "Send"):
        assert text in page.text
    assert '<label for="answer">Answer</label>' in page.text
    assert '<label for="documents">Documents</label>' in page.text
    assert 'type="file" multiple' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"


async def test_an_answer_with_a_pdf_and_a_png_is_kept_and_receipted(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Both files are kept with the answer; the receipt page names them, an email follows."""
    lead_id, email, path = await asked(http, web, smtp)
    form = await form_of(http, path)
    files = [("証明書.pdf", PDF, "application/pdf"), ("scan.png", PNG, "image/png")]
    response = await send(http, form, "Attached.", files)
    assert response.status_code == 200, response.text
    assert "証明書.pdf" in response.text
    assert await answers_of(stores, lead_id) == [("Attached.", 2)]
    listed = await http.get(f"/api/sales/leads/{lead_id}/information-requests", headers=web.staff())
    request = listed.json()[0]
    assert request["status"] == "answered"
    download = await http.get(
        request["answers"][0]["files"][0]["download_url"], headers=web.staff()
    )
    assert download.content == PDF
    async with asyncio.timeout(20):
        while True:
            if any("information_receipt" in m["Message-ID"] for m in smtp.messages_to(email)):
                break
            await asyncio.sleep(0.05)


async def test_the_same_page_sent_twice_keeps_one_answer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A re-post of one page (a double click, a reload) is the same answer."""
    lead_id, _, path = await asked(http, web, smtp)
    form = await form_of(http, path)
    for _ in range(2):
        assert (await send(http, form, "Once.", [])).status_code == 200
    assert await answers_of(stores, lead_id) == [("Once.", 0)]


async def test_two_tabs_sending_at_once_make_two_whole_answers(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Two pages of one link, sent together: two answers, each with its own file."""
    lead_id, _, path = await asked(http, web, smtp)
    first, second = await form_of(http, path), await form_of(http, path)
    sent = await asyncio.gather(
        send(http, first, "Tab one.", [("one.pdf", PDF, "application/pdf")]),
        send(http, second, "Tab two.", [("two.png", PNG, "image/png")]),
    )
    assert [r.status_code for r in sent] == [200, 200]
    assert await answers_of(stores, lead_id) == [("Tab one.", 1), ("Tab two.", 1)]


async def test_a_mislabelled_file_is_refused_and_nothing_kept(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An EXE named .pdf beside a good PDF: 422 naming Documents, no answer, no file."""
    lead_id, _, path = await asked(http, web, smtp)
    form = await form_of(http, path)
    files = [("ok.pdf", PDF, "application/pdf"), ("invoice.pdf", EXE, "application/pdf")]
    response = await send(http, form, "Here.", files)
    assert response.status_code == 422
    assert 'href="#documents"' in response.text
    assert "invoice.pdf" in response.text
    assert await answers_of(stores, lead_id) == []


async def test_a_wrong_link_shows_only_the_explaining_page(http: httpx.AsyncClient) -> None:
    """A token nobody was sent: 410, the explanation, no form."""
    page = await http.get("/partner/information?token=not-a-token&lang=en")
    assert page.status_code == 410
    assert "This link cannot be used" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]


async def test_a_closed_request_link_is_unusable(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """After the lead is qualified the link, and a page loaded before, take no answer."""
    lead_id, _, path = await asked(http, web, smtp)
    form = await form_of(http, path)
    decided = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert decided.status_code == 202
    assert (await http.get(path)).status_code == 410
    assert (await send(http, form, "Too late.", [])).status_code == 410
    assert await answers_of(stores, lead_id) == []


async def test_an_expired_link_is_unusable(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Past the end of its due date the link takes no answer."""
    lead_id, _, path = await asked(http, web, smtp)
    form = await form_of(http, path)
    await stores.commerce.execute(
        "UPDATE information_requests SET expires_at = now() - interval '1 second' "
        "WHERE lead_id = $1",
        lead_id,
    )
    assert (await http.get(path)).status_code == 410
    assert (await send(http, form, "Too late.", [])).status_code == 410
