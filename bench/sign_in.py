"""The cost of a password: `python -m bench sign-in [--accounts K] [--rounds R] [--hashes N]`.

Times the project's Argon2id hasher in this process, at the parameters the web app reads
(ONBOARDING_ARGON2_*), before the stack starts. Then brings up the benchmark's stack, adds K
staff accounts through the store, sets their passwords through the activation page, and
signs all K in at once, round after round: each request a distinct account, so the
per-account throttle never trips, and successes do not count against the per-address one.
What is timed is the password step, where the Argon2id cost lies: its answer starts the
session. Staff then pass the second factor, a code checked with one HMAC per time step, which
these accounts never reach (they have not enrolled).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from accounts.hashing import HashParameters, PasswordHasher
from accounts.passwords import normalize_password
from accounts.tokens import new_token, token_hash
from bench.figures import Mark, percentiles
from bench.stack import BenchStack, open_stack
from commerce.accounts import LinkGrant
from plumbing.settings import Settings
from plumbing.stores import open_stores

PASSWORD = "violet kettle drums under moonlight"
ALONE = 10  # sign-ins one after another, for the latency without a queue


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "mean_ms": statistics.fmean(samples) * 1000,
        "p50_ms": statistics.median(samples) * 1000,
    }


async def hash_costs(params: HashParameters, count: int) -> dict[str, Any]:
    """Hashes, then verifies, one at a time; then verifies as many at once as the hasher lets."""
    first = Mark.now({"bench": [os.getpid()]})
    hasher = PasswordHasher(params)
    password = normalize_password(PASSWORD)
    hashes: list[float] = []
    verifies: list[float] = []
    stored = ""
    for _ in range(count):
        started = time.perf_counter()
        stored = await hasher.hash(password)
        hashes.append(time.perf_counter() - started)
    for _ in range(count):
        started = time.perf_counter()
        if not await hasher.verify(stored, password):
            raise RuntimeError("the hasher refused its own hash")
        verifies.append(time.perf_counter() - started)
    started = time.perf_counter()
    await asyncio.gather(*(hasher.verify(stored, password) for _ in range(count)))
    return {
        "count": count,
        "hash": summary(hashes),
        "verify": summary(verifies),
        "verifies_per_second_at_once": count / (time.perf_counter() - started),
        "other_work_cpu_share": round(first.since()[1], 2),
    }


async def post_form(
    http: aiohttp.ClientSession, path: str, form: dict[str, str], expect: int
) -> tuple[float, Mapping[str, str]]:
    """The seconds the answer took, and its headers; raises on any other status."""
    started = time.perf_counter()
    async with http.post(path, data=form, allow_redirects=False) as response:
        await response.read()
        if response.status != expect:
            raise RuntimeError(f"POST {path}: {response.status}, expected {expect}")
        return time.perf_counter() - started, response.headers


async def staff_accounts(stack: BenchStack, http: aiohttp.ClientSession, count: int) -> list[str]:
    """`count` active staff accounts with PASSWORD; returns their emails."""
    run = uuid.uuid4().hex[:6]
    settings = Settings(
        onboarding_environment="dev",
        commerce_database_url=stack.env["COMMERCE_DATABASE_URL"],
        sales_database_url=stack.env["SALES_DATABASE_URL"],
        database_pool_size=2,
    )
    emails = [f"bench-{run}-{index}@example.com" for index in range(count)]
    tokens = []
    async with open_stores(settings) as stores:
        accounts = stores.commerce_store().accounts
        for index, email in enumerate(emails):
            staff_id = f"STF-{uuid.uuid4().hex[:20]}"
            account = await accounts.add_staff(staff_id, email, f"Bench Staff {index}")
            token = new_token()
            lifetime = timedelta(hours=1)
            await accounts.issue_link(
                LinkGrant("staff", account.id, "activation", token_hash(token), lifetime)
            )
            tokens.append(token)
    forms = [{"token": t, "new_password": PASSWORD, "repeat_password": PASSWORD} for t in tokens]
    await asyncio.gather(*(post_form(http, "/staff/activate", form, 303) for form in forms))
    return emails


async def sign_in(http: aiohttp.ClientSession, email: str) -> float:
    form = {"email": email, "password": PASSWORD, "next": "/staff"}
    seconds, headers = await post_form(http, "/staff/sign-in", form, 303)
    if "Set-Cookie" not in headers:
        raise RuntimeError(f"signed in {email} without a session cookie")
    return seconds


async def sign_in_rounds(
    stack: BenchStack, http: aiohttp.ClientSession, emails: list[str], rounds: int
) -> dict[str, Any]:
    async def at_once() -> list[float]:
        return await asyncio.gather(*(sign_in(http, email) for email in emails))

    await at_once()  # warm-up, not counted: first connections, first session writes
    alone = [await sign_in(http, emails[index % len(emails)]) for index in range(ALONE)]
    latencies: list[float] = []
    seconds: list[float] = []
    first = Mark.now(stack.pids())
    for number in range(rounds):
        start = Mark.now(stack.pids())
        latencies += await at_once()
        used, others = start.since()
        seconds.append(time.monotonic() - start.at)
        print(
            f"  round {number + 1}: {len(emails) / seconds[-1]:4.1f} sign-ins/s, web CPU"
            f" {used['web'] * 1000 / len(emails):.0f} ms per sign-in,"
            f" other work {others:.0%} of the cores",
            flush=True,
        )
    used, others = first.since()
    return {
        "concurrent": len(emails),
        "rounds": rounds,
        "sign_ins": len(latencies),
        "alone_p50_ms": statistics.median(alone) * 1000,
        "at_once": percentiles(latencies),
        "per_second": len(latencies) / sum(seconds),
        "per_round": [round(len(emails) / elapsed, 1) for elapsed in seconds],
        "other_work_cpu_share": round(others, 2),
        "cpu_ms_per_sign_in": {
            role: round(cpu * 1000 / len(latencies), 1) for role, cpu in used.items()
        },
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    # The hashing costs of the environment; the rest runs on the bench's dev stack.
    settings = Settings(onboarding_environment="dev")
    params = HashParameters(
        time_cost=settings.onboarding_argon2_time_cost,
        memory_kib=settings.onboarding_argon2_memory_kib,
        parallelism=settings.onboarding_argon2_parallelism,
    )
    report: dict[str, Any] = {"cores": os.cpu_count(), "argon2": asdict(params)}
    report["hashing"] = await hash_costs(params, args.hashes)
    print("hashing timed; starting the stack", flush=True)
    stack = await open_stack({})
    try:
        # No cookie jar: each sign-in arrives without a session, as from its own browser.
        jar, timeout = aiohttp.DummyCookieJar(), aiohttp.ClientTimeout(total=120)
        unlimited = aiohttp.TCPConnector(limit=0)  # all K at once, whatever K
        async with aiohttp.ClientSession(
            stack.url, connector=unlimited, cookie_jar=jar, timeout=timeout
        ) as http:
            emails = await staff_accounts(stack, http, args.accounts)
            print(f"{len(emails)} staff accounts active", flush=True)
            report["sign_in"] = await sign_in_rounds(stack, http, emails, args.rounds)
    finally:
        await stack.close()
    return report


def table(report: dict[str, Any]) -> str:
    a, h, s = report["argon2"], report["hashing"], report["sign_in"]
    others = "  other work on the machine meanwhile: {:.0%} of all cores"
    lines = [
        f"cores: {report['cores']}   Argon2id time_cost={a['time_cost']}, "
        f"memory={a['memory_kib']} KiB, parallelism={a['parallelism']}",
    ]
    for name in ("hash", "verify"):
        lines.append(
            f"{name + ', one at a time':<28} mean {h[name]['mean_ms']:7.1f} ms"
            f"  p50 {h[name]['p50_ms']:7.1f} ms   ({h['count']} of them)"
        )
    lines.append(
        f"{'verify, as many at once':<28} {h['verifies_per_second_at_once']:7.1f}/s"
        "   (the hasher runs 4 at a time)"
    )
    lines.append(others.format(h["other_work_cpu_share"]))
    lines.append(f"{'sign-in alone':<28} p50 {s['alone_p50_ms']:7.1f} ms   ({ALONE} in a row)")
    p, at_once = s["at_once"], f"sign-in, {s['concurrent']} at once"
    lines.append(
        f"{at_once:<28} p50 {p['p50_ms']:7.1f} ms"
        f"  p95 {p['p95_ms']:7.1f} ms  p99 {p['p99_ms']:7.1f} ms"
    )
    lines.append(
        f"{'':<28} {s['per_second']:7.1f} sign-ins/s   ({s['rounds']} rounds,"
        f" {s['sign_ins']} sign-ins)"
    )
    lines.append(f"{'':<28} round by round: {', '.join(f'{r:.1f}' for r in s['per_round'])}")
    lines.append(others.format(s["other_work_cpu_share"]))
    lines.append("CPU per sign-in, by process")
    for role, ms in s["cpu_ms_per_sign_in"].items():
        lines.append(f"  {role:<28} {ms:7.1f} ms")
    return "\n".join(lines)


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench sign-in", description=__doc__)
    parser.add_argument(
        "--accounts", type=int, default=20, help="staff accounts, all signed in at once per round"
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--hashes", type=int, default=20, help="hashes and verifies to time")
    parser.add_argument("--json", type=Path, default=Path("bench/results/sign-in.json"))
    args = parser.parse_args(argv)
    report = asyncio.run(main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"JSON: {args.json}")
