"""The cost of tracing: `python -m bench tracing [--onboardings N] [--pairs P] [--rate R]
[--alternating] [--concurrency C] [--sample-ratio S]`.

Brings up the benchmark's stack with two web apps and two workers on their own task queues:
one pair with no OTEL_* variable (nothing set up), the other exporting every span
(OTEL_TRACES_SAMPLER=always_on), or with --sample-ratio below 1 that share of the
onboardings (parentbased_traceidratio), over OTLP/HTTP to a receiver in this process. Then runs
the same onboardings through each, form POST to closing, R started a second in each: a pair
of rounds at the same time, or with --alternating one after the other (off on, on off, ...);
--rate 0 keeps C running instead. It reports, for each mode, the median over its rounds of
the throughput, the form POST's p50 and p99 and the CPU per onboarding of each process, and
traced over untraced.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

import aiohttp

from bench.otlp_sink import SpanSink, span_sink
from bench.stack import STARTING_SECONDS, BenchStack, open_stack
from bench.tracing_figures import APP, OFF, ON, Round, report, table
from bench.tracing_rounds import PROCESSES, one_round, side_by_side
from devstack.ports import free_port
from devstack.run import wait_healthy

TRACED_QUEUE = "bench-traced"
DROPPED = "Queue full, dropping"  # what the SDK logs for each span it drops


def untraced_environment() -> None:
    """No OTEL_* variable reaches the stack's processes: the untraced pair sets nothing up."""
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        del os.environ[name]


def sampling(ratio: float) -> dict[str, str]:
    """The standard variables that keep `ratio` of the traces: every span at 1, else that
    share of the onboardings, each kept or dropped whole (a process follows its caller's
    choice, carried in the trace context)."""
    if ratio >= 1:
        return {"OTEL_TRACES_SAMPLER": "always_on"}
    return {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(ratio),
    }


def share(text: str) -> float:
    """A sampling ratio from the command line: more than 0, at most 1."""
    try:
        ratio = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < ratio <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not more than 0 and at most 1")
    return ratio


async def start_traced(
    stack: BenchStack, sink: SpanSink, worker_env: dict[str, str], ratio: float
) -> str:
    """The traced web app and worker, on their own port and task queue; the web app's URL."""
    port = free_port()
    traced = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint,
        **sampling(ratio),
        "ONBOARDING_TASK_QUEUE": TRACED_QUEUE,
    }
    await stack.start_process(PROCESSES[ON]["worker"], "workers", **traced, **worker_env)
    await stack.start_process(
        PROCESSES[ON]["web"], "starter", ONBOARDING_HTTP_PORT=str(port), **traced
    )
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(f"{url}/healthz", within=STARTING_SECONDS)
    return url


def dropped_spans(stack: BenchStack) -> int:
    """Spans the traced processes dropped from a full queue, by their own logs."""
    logs = [stack.folder / f"{name}.log" for name in PROCESSES[ON].values()]
    return sum(log.read_text(errors="replace").count(DROPPED) for log in logs if log.exists())


async def paired_rounds(
    stack: BenchStack, sink: SpanSink, urls: dict[str, str], args: argparse.Namespace
) -> list[Round]:
    """A warm-up in each mode, then the pairs of rounds: side by side, or with --alternating
    off on, on off, ..."""
    rounds: list[Round] = []
    # A waiting read answers within 10 s; an overloaded machine may take longer than that.
    timeout = aiohttp.ClientTimeout(total=180)
    async with contextlib.AsyncExitStack() as sessions:
        http = {
            mode: await sessions.enter_async_context(
                aiohttp.ClientSession(
                    url,
                    connector=aiohttp.TCPConnector(limit=args.concurrency * 2),
                    timeout=timeout,
                )
            )
            for mode, url in urls.items()
        }
        # First connections, imports and caches, in each mode, before any count.
        warm = argparse.Namespace(
            onboardings=args.warm_up, concurrency=args.concurrency, rate=args.rate
        )
        for mode in (OFF, ON):
            await one_round(stack, http[mode], sink, mode, warm)
        print("warmed up", flush=True)
        for number in range(args.pairs):
            if not args.alternating:
                done = await side_by_side(stack, http, sink, args)
            else:
                order = (OFF, ON) if number % 2 == 0 else (ON, OFF)
                done = [await one_round(stack, http[mode], sink, mode, args) for mode in order]
            rounds.extend(done)
            for one in done:
                print(
                    f"  pair {number + 1} {one.mode:>3}: {one.per_second():5.1f}/s, web + worker"
                    f" {one.cpu_ms()[APP]:6.1f} ms CPU per onboarding",
                    flush=True,
                )
    return rounds


async def main(args: argparse.Namespace) -> dict[str, Any]:
    untraced_environment()
    worker_env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("ONBOARDING_MAX_") or k == "DATABASE_POOL_SIZE"
    }
    result: dict[str, Any] = {
        "cores": os.cpu_count(),
        "onboardings": args.onboardings,
        "pairs": args.pairs,
        "concurrency": args.concurrency,
        "rate": args.rate,
        "side_by_side": not args.alternating,
        "sampler": sampling(args.sample_ratio),
    }
    async with span_sink() as sink:
        stack = await open_stack(worker_env)
        try:
            urls = {
                OFF: stack.url,
                ON: await start_traced(stack, sink, worker_env, args.sample_ratio),
            }
            rounds = await paired_rounds(stack, sink, urls, args)
            result["dropped_spans"] = dropped_spans(stack)
        finally:
            await stack.close()  # SIGTERM: the traced processes export their last spans
        traced = args.warm_up + args.pairs * args.onboardings
        result["spans"] = dict(sink.spans)
        result["spans_per_onboarding"] = sink.spans.total() / traced
        result["spans_by_name"] = {
            f"{service}: {name}": round(count / traced, 2)
            for (service, name), count in sink.names.most_common()
        }
    result.update(report(rounds))
    return result


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench tracing", description=__doc__)
    parser.add_argument("--onboardings", type=int, default=200, help="per round")
    parser.add_argument(
        "--pairs", type=int, default=3, help="pairs of rounds, one untraced and one traced each"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=5.0,
        help="onboardings started a second in each mode, whatever is still running; 0 keeps"
        " --concurrency running instead",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="with --rate 0")
    parser.add_argument(
        "--alternating",
        action="store_true",
        help="run each pair's two rounds one after the other instead of at the same time",
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=200,
        help="onboardings per mode before the rounds, not counted",
    )
    parser.add_argument(
        "--sample-ratio",
        type=share,
        default=1.0,
        help="share of onboardings traced (parentbased_traceidratio); 1, the default, traces"
        " every span (always_on)",
    )
    parser.add_argument("--json", type=Path, default=Path("bench/results/tracing.json"))
    args = parser.parse_args(argv)
    if args.rate < 0:
        parser.error(f"--rate {args.rate:g}: onboardings a second, 0 or more")
    result = asyncio.run(main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"JSON: {args.json}")
