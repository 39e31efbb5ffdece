"""Benchmark the whole onboarding: `python -m bench [--onboardings N] ...` (see README).

Brings up the embedded stack (or uses the addresses in the environment), then measures the
fixed reference shape with no-op activities (bench/reference.py) against the real path at
full speed: throughput, history events and the CPU cost per onboarding of each process;
then the real path at a fixed arrival rate, and many onboardings waiting. Prints a table,
writes JSON.
`python -m bench sign-in` and `python -m bench authorize` each measure one thing on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import psutil

from bench.drivers import Timings, http_onboarding, new_run, reference_onboarding, run_all
from bench.figures import cpu_seconds, percentiles
from bench.floor import floor_onboarding, floor_settled
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
    references: list[str] = field(default_factory=list)

    def per_second(self) -> float:
        return self.count / self.seconds

    def cpu_ms_per_onboarding(self) -> dict[str, float]:
        """By role; the worker is the kind's own (the real one, or the reference's)."""
        roles: dict[str, float] = {}
        for role, cpu in self.cpu.items():
            name = "worker" if role in ("worker", "reference-worker") else role
            roles[name] = roles.get(name, 0.0) + cpu
        by_role = {role: round(cpu * 1000 / self.count, 1) for role, cpu in roles.items()}
        by_role["total"] = round(sum(by_role.values()), 1)
        return by_role


async def history_events(client: Any, references: list[str], sample: int = 100) -> float:
    """Events per onboarding, averaged over a sample of the kind's finished runs."""
    chosen = references[-sample:]
    counts = [len((await client.get_workflow_handle(ref).fetch_history()).events) for ref in chosen]
    return round(sum(counts) / len(counts), 1)


async def alternating(
    stack: BenchStack,
    kinds: dict[str, Any],
    onboardings: int,
    rounds: int,
    concurrency: int,
    settle: dict[str, Callable[[], Awaitable[None]]] | None = None,
) -> dict[str, Totals]:
    """Run each kind's onboardings in rounds, in the order AB BA AB ...

    The Temporal server's cost per onboarding grows as its store fills, so a kind that always
    ran second would pay more for the same work; alternating gives both the same store.
    A kind in `settle` is done only once that returns: its drivers do not wait for the end.
    """
    totals = {kind: Totals() for kind in kinds}
    per_round = onboardings // rounds
    for number in range(rounds):
        order = list(kinds) if number % 2 == 0 else list(reversed(kinds))
        for kind in order:
            make = kinds[kind](new_run())
            before = cpu_seconds(stack.pids())
            started = time.monotonic()
            await run_all(per_round, concurrency, make, totals[kind].references)
            if settle and kind in settle:
                await settle[kind]()
            seconds = time.monotonic() - started
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
    stack: BenchStack, http: aiohttp.ClientSession, rate: float, seconds: float
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
            http, run, index, timings, sales, stack.smtp.arrived_at)))  # fmt: skip
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
                "reference": lambda run: lambda i: reference_onboarding(client, run, i),
                "real": lambda run: lambda i: http_onboarding(http, run, i),
            }
            if args.floor:
                kinds["floor"] = lambda run: lambda i: floor_onboarding(client, run, i)
            totals = await alternating(
                stack, kinds, args.onboardings, args.rounds, args.concurrency,
                settle={"floor": lambda: floor_settled(client)},
            )  # fmt: skip
            reference, real = totals["reference"], totals["real"]
            report["reference_per_second"] = reference.per_second()
            report["reference_cpu_ms_per_onboarding"] = reference.cpu_ms_per_onboarding()
            report["reference_history_events"] = await history_events(client, reference.references)
            report["real_per_second"] = real.per_second()
            report["real_to_reference"] = report["real_per_second"] / report["reference_per_second"]
            report["cpu_ms_per_onboarding"] = real.cpu_ms_per_onboarding()
            report["history_events"] = await history_events(client, real.references)
            report["rounds"] = [
                {"kind": kind, "per_second": round(count / seconds, 1)}
                for kind, count, seconds in reference.rounds + real.rounds
            ]
            # Each round's real rate against the reference's in the same round: their spread
            # shows how far one run's ratio can be trusted on a noisy machine.
            report["real_to_reference_by_round"] = [
                round((r_count / r_seconds) / (c_count / c_seconds), 2)
                for (_, c_count, c_seconds), (_, r_count, r_seconds) in zip(
                    reference.rounds, real.rounds, strict=True
                )
            ]
            if args.floor:
                floor = totals["floor"]
                report["floor_per_second"] = floor.per_second()
                report["floor_cpu_ms_per_onboarding"] = floor.cpu_ms_per_onboarding()
                report["floor_history_events"] = await history_events(client, floor.references)
            # Printed at once: the phases after it may fail on an overloaded machine.
            print(throughput_table(report), flush=True)

            report["fixed_rate"] = await fixed_rate(stack, http, args.rate, args.seconds)
            print("fixed rate done", flush=True)
            if args.waiting:
                counts = sorted({min(1000, args.waiting), args.waiting})
                report["waiting"] = await waiting(stack, http, counts)
    finally:
        await stack.close()
    return report


def table(report: dict[str, Any]) -> str:
    lines = [throughput_table(report)]
    fixed = report["fixed_rate"]
    lines.append(f"fixed rate: {fixed['requests']} requests")
    for name in ("form_post", "submit_to_lead_in_sales", "won_to_approval_email"):
        p = fixed[name]
        if p:
            lines.append(f"  {name:<28} p50 {p['p50_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms"
                         f"  p99 {p['p99_ms']:7.1f} ms")  # fmt: skip
    for count, w in report.get("waiting", {}).items():
        lines.append(
            f"waiting {count:>6}: submitted in {w['submit_seconds']} s, settled in "
            f"{w['settled_seconds']} s, worker RSS {w['worker_rss_mib']} MiB, "
            f"Temporal store {w['temporal_store_mib']} MiB"
        )
    return "\n".join(lines)


def throughput_table(report: dict[str, Any]) -> str:
    lines = [f"cores: {report['cores']}   onboardings per throughput run: {report['onboardings']}"
             f" (in {len(report['rounds']) // 2} alternating rounds)"]  # fmt: skip
    lines.append(
        f"reference (fixed shape, no-op)  {report['reference_per_second']:8.1f} onboardings/s"
        f"   {report['reference_history_events']:5.1f} history events each"
    )
    lines.append(f"real, full speed                {report['real_per_second']:8.1f} onboardings/s"
                 f"   {report['history_events']:5.1f} history events each"
                 f"   ({report['real_to_reference']:.2f} of the reference)")  # fmt: skip
    by_round = ", ".join(f"{r:.2f}" for r in report.get("real_to_reference_by_round", []))
    lines.append(f"  real / reference, round by round: {by_round}")
    if "floor_per_second" in report:
        lines.append(
            f"engine floor (no work)          {report['floor_per_second']:8.1f} onboardings/s"
            f"   {report['floor_history_events']:5.1f} history events each"
            f"   ({report['floor_per_second'] / report['reference_per_second']:.2f} of the"
            " reference)"
        )
    lines.append("CPU per completed onboarding        real  reference  real/reference")
    reference = report.get("reference_cpu_ms_per_onboarding", {})
    for role, ms in report["cpu_ms_per_onboarding"].items():
        base = reference.get(role, 0.0)
        ratio = f"{ms / base:.2f}" if base else "-"
        lines.append(f"  {role:<28} {ms:7.1f} ms {base:7.1f} ms   {ratio}")
    if "floor_cpu_ms_per_onboarding" in report:
        lines.append("CPU per onboarding, engine floor   floor  reference  floor/reference")
        for role, ms in report["floor_cpu_ms_per_onboarding"].items():
            base = reference.get(role, 0.0)
            ratio = f"{ms / base:.2f}" if base else "-"
            lines.append(f"  {role:<28} {ms:7.1f} ms {base:7.1f} ms   {ratio}")
    return "\n".join(lines)


def cli() -> None:
    if sys.argv[1:2] in (["sign-in"], ["authorize"]):
        from bench import authorize, sign_in

        return {"sign-in": sign_in.cli, "authorize": authorize.cli}[sys.argv[1]](sys.argv[2:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--onboardings", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating reference/real rounds (AB BA ...)"
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument(
        "--floor", action="store_true",
        help="also run the engine's floor: the process's run and decisions, with no work",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args()
    report = asyncio.run(main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    cli()
