"""Figures both benchmarks compute: CPU seconds per process, and latency percentiles."""

from __future__ import annotations

import statistics

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


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        return {}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}
