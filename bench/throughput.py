"""The benchmark's throughput phase: each kind of onboarding in alternating rounds, its rate,
its CPU seconds per process, and the history events of its runs."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.drivers import new_run, run_all
from bench.figures import cpu_seconds
from bench.stack import BenchStack


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
