"""The tracing benchmark's rounds: the onboardings of one mode, or of both at once, and the
CPU their processes spent on them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bench.drivers import Timings, http_onboarding, new_run, run_all
from bench.figures import cpu_seconds
from bench.otlp_sink import SpanSink
from bench.stack import BenchStack
from bench.tracing_figures import OFF, ON, Round

# Each mode's web app and worker, by the stack's names for their processes.
PROCESSES = {
    OFF: {"web": "web", "worker": "worker"},
    ON: {"web": "traced-web", "worker": "traced-worker"},
}
# Shared by both modes and shown beside them: tracing adds to their work only the trace
# context that Temporal's headers carry.
SERVERS = ("temporal", "postgresql")
# Longer than the batch span processor's default delay (5 s): a round's last spans are
# exported, and their CPU counted, before the round's closing mark.
QUIET_SECONDS = 6.0


def measured(stack: BenchStack, mode: str) -> dict[str, list[int]]:
    """The mode's web app and worker, and the servers both modes share."""
    every = stack.pids()
    chosen = {role: [stack.children[name].pid] for role, name in PROCESSES[mode].items()}
    chosen.update({role: every[role] for role in SERVERS if role in every})
    return chosen


async def quiet(sink: SpanSink) -> None:
    """Until no span has arrived for QUIET_SECONDS: the round's exports are done."""
    while True:
        seen = sink.spans.total()
        await asyncio.sleep(QUIET_SECONDS)
        if sink.spans.total() == seen:
            return


async def run_paced(count: int, rate: float, make: Any) -> None:
    """Start `count` onboardings `rate` a second, whatever is still running: a load that
    leaves the machine room, so a slower mode is not also an overloaded one whose waits run
    out and whose retries and fallbacks count as its cost."""
    loop = asyncio.get_running_loop()
    first = loop.time()
    async with asyncio.TaskGroup() as group:
        for index in range(count):
            await asyncio.sleep(max(0.0, first + index / rate - loop.time()))
            group.create_task(make(index))


async def drive(http: aiohttp.ClientSession, timings: Timings, args: Any) -> float:
    """The round's onboardings through one web app, paced or C at a time; its seconds."""
    run, started = new_run(), time.monotonic()
    make = lambda i: http_onboarding(http, run, i, timings)  # noqa: E731
    if args.rate:
        await run_paced(args.onboardings, args.rate, make)
    else:
        await run_all(args.onboardings, args.concurrency, make)
    return time.monotonic() - started


async def one_round(
    stack: BenchStack, http: aiohttp.ClientSession, sink: SpanSink, mode: str, args: Any
) -> Round:
    timings, pids = Timings(), measured(stack, mode)
    before = cpu_seconds(pids)
    seconds = await drive(http, timings, args)
    await quiet(sink)
    after = cpu_seconds(pids)
    cpu = {role: after[role] - before.get(role, 0.0) for role in after}
    return Round(mode, args.onboardings, seconds, cpu, timings.form_post)


async def side_by_side(
    stack: BenchStack, http: dict[str, aiohttp.ClientSession], sink: SpanSink, args: Any
) -> list[Round]:
    """A round of each mode at the same time, the same onboardings through each: whatever the
    machine does meanwhile (its clock, other work) weighs on both alike. The servers both
    modes share are counted half to each."""
    pids = {
        f"{mode} {role}": [stack.children[name].pid]
        for mode in (OFF, ON)
        for role, name in PROCESSES[mode].items()
    }
    every = stack.pids()
    pids.update({role: every[role] for role in SERVERS if role in every})
    timings = {OFF: Timings(), ON: Timings()}
    before = cpu_seconds(pids)
    seconds = await asyncio.gather(*(drive(http[mode], timings[mode], args) for mode in (OFF, ON)))
    await quiet(sink)
    after = cpu_seconds(pids)
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    rounds = []
    for mode, took in zip((OFF, ON), seconds, strict=True):
        cpu = {role: spent[f"{mode} {role}"] for role in PROCESSES[mode]}
        cpu.update({role: spent[role] / 2 for role in SERVERS if role in spent})
        rounds.append(Round(mode, args.onboardings, took, cpu, timings[mode].form_post))
    return rounds
