"""Figures the benchmarks compute: CPU seconds per process, how busy the machine was meanwhile,
and latency percentiles."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

import psutil


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for role, group in pids.items():
        total = 0.0
        for pid in group:
            try:
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        totals[role] = total
    return totals


@dataclass(frozen=True)
class Mark:
    """CPU seconds of some groups of processes, and of the whole machine busy, at a moment."""

    pids: dict[str, list[int]]
    cpu: dict[str, float]
    busy: float
    at: float

    @classmethod
    def now(cls, pids: dict[str, list[int]]) -> Mark:
        times = psutil.cpu_times()
        busy = times.user + times.nice + times.system
        return cls(pids, cpu_seconds(pids), busy, time.monotonic())

    def since(self) -> tuple[dict[str, float], float]:
        """CPU seconds per group since this mark, and the share of all cores other work took."""
        later = Mark.now(self.pids)
        used = {role: later.cpu[role] - self.cpu.get(role, 0.0) for role in later.cpu}
        # What else ran on the machine meanwhile: the figures are only as steady as this is low.
        others = max(0.0, later.busy - self.busy - sum(used.values()))
        return used, others / ((later.at - self.at) * (os.cpu_count() or 1))


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        return {}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}
