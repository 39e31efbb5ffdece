"""Benchmark the whole onboarding: `python -m bench [--onboardings N] ...` (see docs/benchmark.md).

Brings up the embedded stack (or uses the addresses in the environment), then measures the
fixed reference shape with no-op activities (bench/reference.py) against the real path at
full speed: throughput, history events and the CPU cost per onboarding of each process;
then the real path at a fixed arrival rate, and many onboardings waiting. Prints a table,
writes JSON.
`python -m bench sign-in`, `python -m bench authorize`, `python -m bench actions` and
`python -m bench tracing` and `python -m bench uploads` each measure one thing on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import psutil

from bench.drivers import Timings, body, call, http_onboarding, new_run, reference_onboarding
from bench.figures import percentiles
from bench.floor import floor_onboarding, floor_settled
from bench.onboarding_table import table, throughput_table
from bench.stack import BenchStack, open_stack
from bench.throughput import alternating, history_events
from plumbing.settings import Settings
from plumbing.temporal import connect_temporal


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
        tasks.append(
            asyncio.create_task(
                http_onboarding(http, run, index, timings, sales, stack.smtp.arrived_at)
            )
        )
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
        while (
            await commerce.fetchval(
                "SELECT count(*) FROM email_outbox o JOIN prospects p ON p.reference = o.reference"
                " WHERE p.company_name LIKE $1 AND o.sent_at IS NOT NULL",
                f"Bench {run} %",
            )
            < target
        ):
            await asyncio.sleep(0.5)
        settled = time.monotonic() - began
        worker = psutil.Process(stack.children["worker"].pid)
        store = 0
        if stack.temporal is not None:
            db = stack.temporal.db_file
            store = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        result[str(target)] = {
            "started": target - started_total,
            "submit_seconds": round(elapsed, 1),
            "settled_seconds": round(settled, 1),
            "worker_rss_mib": round(worker.memory_info().rss / 2**20, 1),
            "temporal_store_mib": round(store / 2**20, 1),
        }
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
        settings = Settings(
            onboarding_environment="dev", temporal_address=stack.env["TEMPORAL_ADDRESS"]
        )
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
                stack,
                kinds,
                args.onboardings,
                args.rounds,
                args.concurrency,
                settle={"floor": lambda: floor_settled(client)},
            )
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


def cli() -> None:
    if sys.argv[1:2] in (["sign-in"], ["authorize"], ["actions"], ["tracing"], ["uploads"]):
        from bench import actions, authorize, sign_in, tracing, uploads

        commands = {
            "sign-in": sign_in.cli,
            "authorize": authorize.cli,
            "actions": actions.cli,
            "tracing": tracing.cli,
            "uploads": uploads.cli,
        }
        return commands[sys.argv[1]](sys.argv[2:])
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
        "--floor",
        action="store_true",
        help="also run the engine's floor: the process's run and decisions, with no work",
    )
    parser.add_argument("--json", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args()
    report = asyncio.run(main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    cli()
