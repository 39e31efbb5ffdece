"""Documents uploaded by applicants: `python -m bench uploads [--uploads N] [--big K] [-c C]`.

Brings up the benchmark's stack and asks one applicant for documents the way a salesperson
does: an onboarding through the public API, an information request on its lead through the
staff API, the applicant's link read from the email. Then answers through the applicant's
page in the real web app, each after loading the page for its form: N answers of one 5 MB
PDF, C at a time, each POST timed (throughput and percentiles); then K answers of F 10 MB
PDFs (--files, 1 unless told), one at a time unless told (--big-concurrency), while a
thread samples the web app's resident memory (psutil) every few milliseconds. Reports the
web app's RSS before and at its peak (and the kernel's own high-water mark, VmHWM, where
/proc has it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench.drivers import STAFF, _get_until, body, call
from bench.figures import Mark, percentiles
from bench.stack import BenchStack, open_stack

MB = 10**6
LINK = re.compile(r"https?://\S+?[?&]token=[\w-]+")
FORM = re.compile(r"<form\b[^>]*enctype=\"multipart/form-data\"[^>]*>(.*?)</form>", re.S | re.I)
HIDDEN = re.compile(r"<input\b[^>]*type=\"hidden\"[^>]*>", re.I)
FILE_INPUT = re.compile(r"<input\b[^>]*type=\"file\"[^>]*>", re.I)
TEXTAREA = re.compile(r"<textarea\b[^>]*>", re.I)
ACTION = re.compile(r"<form\b[^>]*action=\"([^\"]*)\"", re.I)
ATTRIBUTE = r"\b{}=\"([^\"]*)\""


def attribute(tag: str, name: str) -> str:
    found = re.search(ATTRIBUTE.format(name), tag)
    return unescape(found[1]) if found else ""


def pdf(size: int) -> bytes:
    """A PDF-headed file of `size` bytes that do not compress."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


async def applicant_link(stack: BenchStack, http: aiohttp.ClientSession) -> str:
    """The page's path with its token, from the email of a request made on a new lead."""
    run = uuid.uuid4().hex[:6]
    submitted = await call(http, "POST", "/api/onboarding-requests", json=body(run, 0))
    reference = submitted.body["reference"]
    lead_id = (await _get_until(http, f"/api/onboarding-requests/{reference}", "lead_id"))[
        "lead_id"
    ]
    ask = {
        "message": "Your registration certificate, please.",
        "documents": ["registration_certificate"],
        "due": str(date.today() + timedelta(days=7)),
    }
    await call(
        http, "POST", f"/api/sales/leads/{lead_id}/information-requests", json=ask, headers=STAFF
    )
    address = body(run, 0)["contact"]["email"]
    while True:
        for message in stack.smtp.messages_to(address):
            text = message.get_body(("plain",))
            found = LINK.search(str(text.get_content())) if text is not None else None
            if found:
                link = found[0]
                return link[link.index("/", link.index("//") + 2) :]
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class PageForm:
    action: str
    hidden: dict[str, str]
    text_field: str
    file_field: str


async def page_form(http: aiohttp.ClientSession, link: str) -> PageForm:
    async with http.get(link) as response:
        html = await response.text()
        if response.status != 200:
            raise RuntimeError(f"GET the page: {response.status}")
    inner = first(FORM, html, "a form with files")
    action = ACTION.search(inner)
    return PageForm(
        action=unescape(action[1]) if action else link,
        hidden={attribute(t, "name"): attribute(t, "value") for t in HIDDEN.findall(inner)},
        text_field=attribute(first(TEXTAREA, inner, "a text area"), "name"),
        file_field=attribute(first(FILE_INPUT, inner, "a file input"), "name"),
    )


def first(pattern: re.Pattern[str], text: str, what: str) -> str:
    found = pattern.search(text)
    if found is None:
        raise RuntimeError(f"the applicant's page has no {what}")
    return found[0]


async def answer(http: aiohttp.ClientSession, link: str, content: bytes, files: int = 1) -> float:
    """Load the page, then post one answer with `files` copies of the file; the seconds the
    POST took."""
    form = await page_form(http, link)
    data = aiohttp.FormData()
    for name, value in form.hidden.items():
        data.add_field(name, value)
    data.add_field(form.text_field, "The certificate is attached.")
    for number in range(files):
        name = f"履歴事項全部証明書-{number + 1}.pdf"
        data.add_field(form.file_field, content, filename=name, content_type="application/pdf")
    started = time.perf_counter()
    async with http.post(form.action, data=data, allow_redirects=False) as response:
        await response.read()
        if response.status >= 400:
            raise RuntimeError(f"POST an answer: {response.status}")
    return time.perf_counter() - started


async def answers(
    http: aiohttp.ClientSession,
    link: str,
    content: bytes,
    count: int,
    concurrency: int,
    files: int = 1,
) -> list[float]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> float:
        async with gate:
            return await answer(http, link, content, files)

    return list(await asyncio.gather(*(one() for _ in range(count))))


class RssSampler(threading.Thread):
    """The process's resident memory, sampled every `interval` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.process, self.interval = psutil.Process(pid), interval
        self.peak = self.first = self.process.memory_info().rss
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)
            self.samples += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def high_water_mark(pid: int) -> int | None:
    """The kernel's peak resident set of the process (VmHWM), in bytes; None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found[1]) * 1024 if found else None


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    stack = await open_stack({})
    report: dict[str, Any] = {"concurrency": args.concurrency}
    try:
        timeout = aiohttp.ClientTimeout(total=300)
        async with aiohttp.ClientSession(stack.url, timeout=timeout) as http:
            link = await applicant_link(stack, http)
            web = stack.children["web"].pid
            report["web_rss_at_start_mib"] = round(psutil.Process(web).memory_info().rss / 2**20, 1)
            medium = pdf(5 * MB)
            await answers(http, link, medium, 2, 1)  # warm-up: first connections and imports
            start = Mark.now(stack.pids())
            latencies = await answers(http, link, medium, args.uploads, args.concurrency)
            seconds = time.monotonic() - start.at
            used, others = start.since()
            report["five_mb"] = {
                "answers": args.uploads,
                "answers_per_second": round(args.uploads / seconds, 2),
                "mb_per_second": round(args.uploads * 5 / seconds, 1),
                "web_cpu_ms_per_answer": round(used["web"] * 1000 / args.uploads, 1),
                "postgresql_cpu_ms_per_answer": round(
                    used.get("postgresql", 0.0) * 1000 / args.uploads, 1
                ),
                "other_work_cpu_share": round(others, 2),
                **{k: round(v, 1) for k, v in percentiles(latencies).items()},
            }
            sampler = RssSampler(web)
            sampler.start()
            await answers(http, link, pdf(10 * MB), args.big, args.big_concurrency, args.files)
            sampler.stop()
            hwm = high_water_mark(web)
            report["ten_mb"] = {
                "answers": args.big,
                "concurrency": args.big_concurrency,
                "files_per_answer": args.files,
                "growth_per_upload_in_file_sizes": round(
                    (sampler.peak - sampler.first) / (10 * MB) / args.big_concurrency, 1
                ),
                "rss_before_mib": round(sampler.first / 2**20, 1),
                "rss_peak_mib": round(sampler.peak / 2**20, 1),
                "rss_growth_mib": round((sampler.peak - sampler.first) / 2**20, 1),
                "rss_samples": sampler.samples,
                "vm_hwm_mib": round(hwm / 2**20, 1) if hwm else None,
            }
    finally:
        await stack.close()
    return report


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench uploads", description=__doc__)
    parser.add_argument("--uploads", type=int, default=40, help="answers with a 5 MB PDF")
    parser.add_argument("--big", type=int, default=10, help="answers with a 10 MB PDF")
    parser.add_argument("-c", "--concurrency", type=int, default=4)
    parser.add_argument("--big-concurrency", type=int, default=1, help="10 MB answers sent at once")
    parser.add_argument("--files", type=int, default=1, help="10 MB files in each such answer")
    parser.add_argument("--json", type=Path, default=Path("bench/results/uploads.json"))
    args = parser.parse_args(argv)
    report = asyncio.run(measure(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"JSON: {args.json}")
