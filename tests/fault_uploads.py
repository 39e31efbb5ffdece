"""Information requests answered with files while the fault suite's faults happen: a few
onboardings of their own, each asked for documents by staff, the applicant's answer posted
from the emailed link during a worker SIGKILL or the PostgreSQL outage, and re-posted from
the same page (its one-time submission key) after a 503, as a browser's user would. Once
the faults are over: each request answered once, each file's bytes whole."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import httpx

from tests.api_helpers import request_body
from tests.fault_checks import sent_by_killed_worker
from tests.fault_driver import STAFF
from tests.fault_stack import Stack
from tests.information_request_helpers import SHOP_ZONE
from tests.test_information_page import HIDDEN, LINK

KILLED = "worker SIGKILL"
PG_STOPPED = "PostgreSQL stopped 20 s"
# When each applicant posts: once the fault has happened that many times, and so many
# seconds after; the first three around the worker kills, the last two in the outage.
MOMENTS = ((KILLED, 1, 0.0), (KILLED, 2, 0.0), (KILLED, 3, 0.0), (PG_STOPPED, 1, 1.0),
           (PG_STOPPED, 1, 6.0))  # fmt: skip
# An applicant's whole side (onboarding, request, email, answer) and the wait for the
# receipts each end within this, as the drivers' onboardings do.
PATIENCE = 600


@dataclass
class Upload:
    """One applicant's side: their onboarding, the request, the files and what the posts of
    the answer got (status codes, in order, and when the first one went)."""

    email: str
    files: list[tuple[str, bytes, str]]
    reference: str = ""
    lead_id: str = ""
    request_id: str = ""
    statuses: list[int] = field(default_factory=list)
    posted_after: str = ""
    # How far it got: "answered" once the page took the answer.
    stage: str = "submitting"
    # The answer's page as the browser holds it: its hidden fields (token, submission key).
    form: dict[str, str] = field(default_factory=dict)


def documents(index: int) -> list[tuple[str, bytes, str]]:
    """A PDF and an image of a few hundred kilobytes, random inside, different per upload."""
    pdf = b"%PDF-1.7\n" + os.urandom(200_000 + index * 37_001) + b"\n%%EOF\n"
    if index % 2:
        image = ("photo.jpg", b"\xff\xd8\xff\xe0" + os.urandom(150_000 + index), "image/jpeg")
    else:
        image = ("scan.png", b"\x89PNG\r\n\x1a\n" + os.urandom(120_000 + index), "image/png")
    return [(f"certificate-{index}.pdf", pdf, "application/pdf"), image]


async def _call(
    http: httpx.AsyncClient, method: str, path: str, ok: set[int], **kwargs: Any
) -> httpx.Response:
    """The answer once it is one of `ok`; 503 (a server down for a moment) and a lost
    connection are tried again, anything else fails the test."""
    while True:
        try:
            response = await http.request(method, path, **kwargs)
        except httpx.TransportError:
            await asyncio.sleep(0.5)
            continue
        if response.status_code in ok:
            return response
        assert response.status_code == 503, (path, response.status_code, response.text[:300])
        await asyncio.sleep(0.5)


async def _poll(http: httpx.AsyncClient, path: str, key: str) -> Any:
    while True:
        found = (await _call(http, "GET", path, {200}, headers=STAFF)).json()
        if found[key]:
            return found[key]
        await asyncio.sleep(0.5)


async def _link(stack: Stack, email: str) -> str:
    """The page's path with its token, from the applicant's email."""
    while True:
        for mail in stack.smtp.messages_to(email):
            if found := LINK.search(mail.get_body(("plain",)).get_content()):  # type: ignore[union-attr]
                return found[0][found[0].index("/", found[0].index("//") + 2) :]
        await asyncio.sleep(0.5)


async def _moment(stack: Stack, fault: str, times: int, after: float) -> None:
    """Until `fault` has happened `times` times, then `after` seconds more."""
    while True:
        if stack.faults.count(fault) >= times:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(after)


async def _prepare(stack: Stack, http: httpx.AsyncClient, upload: Upload) -> None:
    """The applicant's onboarding, staff's request and the page its email links, open."""
    submitted = await _call(
        http, "POST", "/api/onboarding-requests", {202},
        json=request_body(email=upload.email), headers={"Idempotency-Key": upload.email},
    )  # fmt: skip
    upload.reference, upload.stage = submitted.json()["reference"], "waiting for the lead"
    upload.lead_id = await _poll(http, f"/api/onboarding-requests/{upload.reference}", "lead_id")
    due = (datetime.now(SHOP_ZONE).date() + timedelta(days=5)).isoformat()
    asked = {"message": "Your certificate, please.", "due": due,
             "documents": ["registration_certificate", "other"]}  # fmt: skip
    path, upload.stage = f"/api/sales/leads/{upload.lead_id}/information-requests", "asking"
    created = await _call(http, "POST", path, {201}, json=asked, headers=STAFF)
    upload.request_id, upload.stage = created.json()["id"], "waiting for the email"
    page = await _call(http, "GET", await _link(stack, upload.email), {200})
    upload.form = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
    upload.stage = "waiting for its moment"


async def prepare_uploads(stack: Stack, run: str) -> list[Upload]:
    """Before the faults: each applicant asked, with the answer's page open in a browser."""
    uploads = [Upload(f"upload-{run}-{i}@example.com", documents(i)) for i in range(len(MOMENTS))]
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as http:
        async with asyncio.timeout(PATIENCE):
            await asyncio.gather(*(_prepare(stack, http, upload) for upload in uploads))
    return uploads


async def _answer(stack: Stack, http: httpx.AsyncClient, upload: Upload, moment: Any) -> None:
    await _moment(stack, *moment)
    upload.stage = "posting"
    upload.posted_after = f"{stack.faults[-1]} ({len(stack.faults)} faults)"
    parts = [("documents", f) for f in upload.files]
    # The same page posted again after a 503: its submission key keeps one answer.
    while True:
        try:
            response = await http.post(
                "/partner/information?lang=en",
                data=upload.form | {"answer": "Attached."},
                files=parts,
            )
        except httpx.TransportError:
            await asyncio.sleep(0.5)
            continue
        upload.statuses.append(response.status_code)
        if response.status_code != 503:
            break
        await asyncio.sleep(0.5)
    assert response.status_code == 200, (upload.statuses, response.text[:300])
    upload.stage = "answered"


async def _answering(stack: Stack, http: httpx.AsyncClient, upload: Upload, moment: Any) -> None:
    """The applicant's answer, given up after `PATIENCE` (its stage tells how far it got)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(PATIENCE):
            await _answer(stack, http, upload, moment)


async def answer_during_faults(stack: Stack, uploads: list[Upload]) -> list[Upload]:
    """Each applicant's answer, posted at its moment of `MOMENTS`."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as http:
        await asyncio.gather(
            *(_answering(stack, http, u, m) for u, m in zip(uploads, MOMENTS, strict=True))
        )
    return uploads


async def upload_problems(stack: Stack, uploads: list[Upload]) -> dict[str, list[str]]:
    """What is wrong with each applicant's request once the faults are over: not exactly one
    request and one answer, a file not whole, the receipt missing or an email twice."""
    problems: dict[str, list[str]] = {}
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as http:
        for upload in uploads:
            found = problems.setdefault(upload.email, [])
            if upload.stage != "answered":
                found.append(f"given up {PATIENCE} s after it began, {upload.stage}")
                continue
            path = f"/api/sales/leads/{upload.lead_id}/information-requests"
            requests = (await _call(http, "GET", path, {200}, headers=STAFF)).json()
            if [(r["id"], r["status"], len(r["answers"])) for r in requests] != [
                (upload.request_id, "answered", 1)
            ]:
                found.append(f"requests: {[(r['status'], len(r['answers'])) for r in requests]}")
                continue
            files = requests[0]["answers"][0]["files"]
            expected = [(n, len(b), hashlib.sha256(b).hexdigest()) for n, b, _ in upload.files]
            if sorted((f["filename"], f["size"], f["sha256"]) for f in files) != sorted(expected):
                found.append("files listed not as sent")
            sent = {name: data for name, data, _ in upload.files}
            for listed in files:
                got = await _call(http, "GET", listed["download_url"], {200}, headers=STAFF)
                if got.content != sent.get(listed["filename"]):
                    found.append(f"{listed['filename']}: downloaded bytes differ")
    for upload, ids in zip(uploads, await _emails(stack, uploads), strict=True):
        if upload.stage == "answered" and not any(".information_receipt" in m for m in ids):
            problems[upload.email].append("no receipt")
        explained = {m for m, n in ids.items() if n == 2 and sent_by_killed_worker(stack, m)}
        if twice := [m for m, n in ids.items() if n > 1 and m not in explained]:
            problems[upload.email].append(f"emails twice: {twice}")
    return {email: found for email, found in problems.items() if found}


async def _emails(stack: Stack, uploads: list[Upload]) -> list[Counter[str]]:
    """Each applicant's emails by Message-ID, once every one of them has its receipt."""
    deadline = time.monotonic() + PATIENCE
    while True:
        ids = [
            Counter(str(m["Message-ID"]) for m in stack.smtp.messages_to(u.email)) for u in uploads
        ]
        received = all(
            any(".information_receipt" in m for m in c)
            for c, upload in zip(ids, uploads, strict=True)
            if upload.stage == "answered"
        )
        if received or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.5)


def summary(uploads: list[Upload]) -> str:
    statuses = Counter(s for u in uploads for s in u.statuses)
    return (
        f"uploads {len(uploads)} ({sum(len(u.files) for u in uploads)} files, "
        f"{sum(len(b) for u in uploads for _, b, _ in u.files) // 1000} kB), answer posts "
        f"{sorted(statuses.items())}, posted after: {[u.posted_after for u in uploads]}, "
        f"stages reached: {sorted(Counter(u.stage for u in uploads).items())}"
    )
