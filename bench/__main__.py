"""Benchmark the whole onboarding: `python -m bench [--onboardings N] ...` (see README).

Brings up the embedded stack (or uses the addresses in the environment), then measures the
ceiling, the real path at full speed, the real path at a fixed arrival rate, the CPU cost
per onboarding of each process, and many onboardings waiting. Prints a table, writes JSON.
`python -m bench sign-in` and `python -m bench authorize` each measure one thing on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import psutil

from bench.drivers import Timings, ceiling_onboarding, http_onboarding, new_run, run_all
from bench.figures import cpu_seconds, percentiles
from bench.stack import BenchStack, open_stack
from plumbing.settings import Settings
from plumbing.temporal import connect_temporal


@dataclass
class Totals:
    """Onboardings, seconds and CPU seconds per process, summed over a kind's rounds."""

    count: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    rounds: list[tuple[str, int, float]] = field(default_factory=list)

    def per_second(self) -> float:
        return self.count / self.seconds

    def cpu_ms_per_onboarding(self) -> dict[str, float]:
        return {role: round(cpu * 1000 / self.count, 1) for role, cpu in self.cpu.items()}


async def alternating(
    stack: BenchStack, kinds: dict[str, Any], onboardings: int, rounds: int, concurrency: int
) -> dict[str, Totals]:
    """Run each kind's onboardings in rounds, in the order AB BA AB ...

    The Temporal server's cost per onboarding grows as its store fills, so a kind that always
    ran second would pay more for the same work; alternating gives both the same store.
    """
    totals = {kind: Totals() for kind in kinds}
    per_round = onboardings // rounds
    for number in range(rounds):
        order = list(kinds) if number % 2 == 0 else list(reversed(kinds))
        for kind in order:
            make = kinds[kind](new_run())
            before = cpu_seconds(stack.pids())
            seconds = await run_all(per_round, concurrency, make)
            after = cpu_seconds(stack.pids())
            total = totals[kind]
            total.count += per_round
            total.seconds += seconds
            for role in after:
                total.cpu[role] = total.cpu.get(role, 0.0) + after[role] - before.get(role, 0.0)
            total.rounds.append((kind, per_round, seconds))
            print(f"  round {number + 1} {kind}: {per_round / seconds:.1f}/s", flush=True)
    return totals


async def fixed_rate(
    stack: BenchStack, http: aiohttp.ClientSession, client: Any, rate: float, seconds: float
) -> dict[str, Any]:
    timings = Timings()
    run = new_run()
    sales = await asyncpg.create_pool(
        stack.env["SALES_DATABASE_URL"], server_settings={"search_path": "sales"}
    )
    tasks = []
    started = time.monotonic()
    for index in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        tasks.append(asyncio.create_task(http_onboarding(
            http, client, run, index, timings, sales, stack.smtp.arrived_at)))  # fmt: skip
    await asyncio.gather(*tasks)
    await sales.close()
    return {
        "requests": len(tasks),
        "form_post": percentiles(timings.form_post),
        "submit_to_lead_in_sales": percentiles(timings.lead_visible),
        "won_to_approval_email": percentiles(timings.won_to_email),
    }


async def waiting(
    stack: BenchStack, http: aiohttp.ClientSession, counts: list[int]
) -> dict[str, Any]:
    """Start onboardings and leave them waiting for the lead decision."""
    from bench.drivers import body, call

    run, started_total, result = new_run(), 0, {}
    commerce = await asyncpg.create_pool(
        stack.env["COMMERCE_DATABASE_URL"], server_settings={"search_path": "commerce"}
    )
    gate = asyncio.Semaphore(50)

    async def submit(index: int) -> None:
        async with gate:
            await call(http, "POST", "/api/onboarding-requests", json=body(run, index))

    for target in counts:
        began = time.monotonic()
        await asyncio.gather(*(submit(i) for i in range(started_total, target)))
        elapsed = time.monotonic() - began
        # Settled when every acknowledgement of this run went out.
        while await commerce.fetchval(
            "SELECT count(*) FROM email_outbox o JOIN prospects p ON p.reference = o.reference"
            " WHERE p.company_name LIKE $1 AND o.sent_at IS NOT NULL", f"Bench {run} %"
        ) < target:  # fmt: skip
            await asyncio.sleep(0.5)
        settled = time.monotonic() - began
        worker = psutil.Process(stack.children["worker"].pid)
        store = 0
        if stack.temporal is not None:
            db = stack.temporal.db_file
            store = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        result[str(target)] = {
            "started": target - started_total, "submit_seconds": round(elapsed, 1),
            "settled_seconds": round(settled, 1),
            "worker_rss_mib": round(worker.memory_info().rss / 2**20, 1),
            "temporal_store_mib": round(store / 2**20, 1),
        }  # fmt: skip
        started_total = target
    await commerce.close()
    return result


async def main(args: argparse.Namespace) -> dict[str, Any]:
    worker_env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("ONBOARDING_MAX_") or k == "DATABASE_POOL_SIZE"
    }
    stack = await open_stack(worker_env)
    report: dict[str, Any] = {"cores": os.cpu_count(), "onboardings": args.onboardings}
    try:
        settings = Settings(temporal_address=stack.env["TEMPORAL_ADDRESS"])
        client = await connect_temporal(settings)
        # aiohttp, not httpx: a lighter client leaves more of the shared cores to the system.
        connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(stack.url, connector=connector, timeout=timeout) as http:
            kinds = {
                "ceiling": lambda run: lambda i: ceiling_onboarding(client, run, i),
                "real": lambda run: lambda i: http_onboarding(http, client, run, i),
            }
            totals = await alternating(
                stack, kinds, args.onboardings, args.rounds, args.concurrency
            )
            ceiling, real = totals["ceiling"], totals["real"]
            report["ceiling_per_second"] = ceiling.per_second()
            report["ceiling_cpu_ms_per_onboarding"] = ceiling.cpu_ms_per_onboarding()
            report["real_per_second"] = real.per_second()
            report["real_to_ceiling"] = report["real_per_second"] / report["ceiling_per_second"]
            report["cpu_ms_per_onboarding"] = real.cpu_ms_per_onboarding()
            report["rounds"] = [
                {"kind": kind, "per_second": round(count / seconds, 1)}
                for kind, count, seconds in ceiling.rounds + real.rounds
            ]
            # Each round's real rate against the ceiling's in the same round: their spread
            # shows how far one run's ratio can be trusted on a noisy machine.
            report["real_to_ceiling_by_round"] = [
                round((r_count / r_seconds) / (c_count / c_seconds), 2)
                for (_, c_count, c_seconds), (_, r_count, r_seconds) in zip(
                    ceiling.rounds, real.rounds, strict=True
                )
            ]
            print(f"ceiling: {report['ceiling_per_second']:.1f}/s", flush=True)
            print(f"real: {report['real_per_second']:.1f}/s", flush=True)

            report["fixed_rate"] = await fixed_rate(stack, http, client, args.rate, args.seconds)
            print("fixed rate done", flush=True)
            if args.waiting:
                counts = sorted({min(1000, args.waiting), args.waiting})
                report["waiting"] = await waiting(stack, http, counts)
    finally:
        await stack.close()
    return report


def table(report: dict[str, Any]) -> str:
    lines = [f"cores: {report['cores']}   onboardings per throughput run: {report['onboardings']}"
             f" (in {len(report['rounds']) // 2} alternating rounds)"]  # fmt: skip
    lines.append(
        f"ceiling (no-op activities)      {report['ceiling_per_second']:8.1f} onboardings/s"
    )
    lines.append(f"real, full speed                {report['real_per_second']:8.1f} onboardings/s"
                 f"   ({report['real_to_ceiling']:.2f} of the ceiling)")  # fmt: skip
    by_round = ", ".join(f"{r:.2f}" for r in report.get("real_to_ceiling_by_round", []))
    lines.append(f"  real / ceiling, round by round: {by_round}")
    fixed = report["fixed_rate"]
    lines.append(f"fixed rate: {fixed['requests']} requests")
    for name in ("form_post", "submit_to_lead_in_sales", "won_to_approval_email"):
        p = fixed[name]
        if p:
            lines.append(f"  {name:<28} p50 {p['p50_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms"
                         f"  p99 {p['p99_ms']:7.1f} ms")  # fmt: skip
    lines.append("CPU per completed onboarding        real    ceiling")
    ceiling = report.get("ceiling_cpu_ms_per_onboarding", {})
    for role, ms in report["cpu_ms_per_onboarding"].items():
        lines.append(f"  {role:<28} {ms:7.1f} ms {ceiling.get(role, 0.0):7.1f} ms")
    for count, w in report.get("waiting", {}).items():
        lines.append(
            f"waiting {count:>6}: submitted in {w['submit_seconds']} s, settled in "
            f"{w['settled_seconds']} s, worker RSS {w['worker_rss_mib']} MiB, "
            f"Temporal store {w['temporal_store_mib']} MiB"
        )
    return "\n".join(lines)


def cli() -> None:
    if sys.argv[1:2] in (["sign-in"], ["authorize"]):
        from bench import authorize, sign_in

        return {"sign-in": sign_in.cli, "authorize": authorize.cli}[sys.argv[1]](sys.argv[2:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--onboardings", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating ceiling/real rounds (AB BA ...)"
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args()
    report = asyncio.run(main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    cli()
