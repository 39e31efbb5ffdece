"""The tracing benchmark's arithmetic and table: each round's figures, their medians by mode,
and traced over untraced, round pair by round pair."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from bench.figures import percentiles

OFF, ON = "off", "on"
# The processes tracing runs in; the goal is on their CPU. The servers are shown beside them.
TRACED_ROLES = ("web", "worker")
APP = "web + worker"
MOST_MADE = 25  # span names listed in the table, by how many an onboarding makes


@dataclass(frozen=True)
class Round:
    """One round of one mode: its onboardings, seconds, CPU seconds by role, form POSTs."""

    mode: str
    onboardings: int
    seconds: float
    cpu: dict[str, float]
    form_post: list[float] = field(default_factory=list)

    def per_second(self) -> float:
        return self.onboardings / self.seconds

    def cpu_ms(self) -> dict[str, float]:
        """CPU milliseconds per onboarding by role, and of the web app and worker together."""
        by_role = {role: cpu * 1000 / self.onboardings for role, cpu in self.cpu.items()}
        by_role[APP] = sum(by_role.get(role, 0.0) for role in TRACED_ROLES)
        return by_role

    def figures(self) -> dict[str, float]:
        """Every figure of the round that the report takes a median of."""
        found = {"per_second": self.per_second()}
        found.update({f"cpu_ms {role}": ms for role, ms in self.cpu_ms().items()})
        found.update({f"form_post {k}": v for k, v in percentiles(self.form_post).items()})
        return found


def medians(rounds: list[Round]) -> dict[str, float]:
    """Each figure's median over the rounds."""
    names = [name for name in rounds[0].figures() if all(name in r.figures() for r in rounds)]
    return {name: statistics.median(r.figures()[name] for r in rounds) for name in names}


def pairs(rounds: list[Round]) -> list[tuple[Round, Round]]:
    """The untraced and the traced round of each pair, in the order they ran."""
    off = [r for r in rounds if r.mode == OFF]
    on = [r for r in rounds if r.mode == ON]
    return list(zip(off, on, strict=True))


def ratios(rounds: list[Round], name: str) -> list[float]:
    """Traced over untraced of one figure, pair by pair: neighbours share the machine's state
    (the Temporal store's size, other work), so their ratio drifts less than the figures."""
    return [on.figures()[name] / off.figures()[name] for off, on in pairs(rounds)]


def report(rounds: list[Round]) -> dict[str, Any]:
    by_mode = {mode: medians([r for r in rounds if r.mode == mode]) for mode in (OFF, ON)}
    pair_ratios = {
        name: ratios(rounds, name)
        for name in ("per_second", f"cpu_ms {APP}", "cpu_ms web", "cpu_ms worker")
    }
    return {
        "rounds": [
            {"mode": r.mode, **{k: round(v, 2) for k, v in r.figures().items()}} for r in rounds
        ],
        OFF: by_mode[OFF],
        ON: by_mode[ON],
        "on_to_off_by_pair": {k: [round(x, 3) for x in v] for k, v in pair_ratios.items()},
        "on_to_off": {name: statistics.median(values) for name, values in pair_ratios.items()},
    }


def table(result: dict[str, Any]) -> str:
    off, on, ratio = result[OFF], result[ON], result["on_to_off"]
    load = (
        f"{result['rate']:g} started a second"
        if result.get("rate")
        else f"{result['concurrency']} at a time"
    )
    order = "side by side" if result.get("side_by_side") else "one after the other"
    lines = [
        f"cores: {result['cores']}   {result['pairs']} pairs of rounds of"
        f" {result['onboardings']} onboardings, {load}, {order}; medians",
        "traced with " + " ".join(f"{name}={value}" for name, value in result["sampler"].items()),
        f"{'':<32}{'off':>10}{'on':>10}   on/off (median of pairs)",
    ]

    def row(label: str, name: str, unit: str) -> None:
        if name not in off or name not in on:
            return
        paired = f"{ratio[name]:.3f}" if name in ratio else f"{on[name] / off[name]:.3f}"
        lines.append(f"{label:<32}{off[name]:>10.1f}{on[name]:>10.1f}   {paired}  {unit}")

    row("throughput", "per_second", "onboardings/s")
    row("form POST p50", "form_post p50_ms", "ms")
    row("form POST p99", "form_post p99_ms", "ms")
    lines.append("CPU per onboarding, by process")
    measured = {name.removeprefix("cpu_ms ") for name in off if name.startswith("cpu_ms ")}
    servers = sorted(measured - {*TRACED_ROLES, APP})
    for role in (*TRACED_ROLES, APP, *servers):
        row(f"  {role}", f"cpu_ms {role}", "ms")
    lines.append(
        "web + worker CPU on/off, pair by pair: "
        + ", ".join(f"{x:.3f}" for x in result["on_to_off_by_pair"][f"cpu_ms {APP}"])
    )
    lines.append(
        f"spans exported per traced onboarding: {result['spans_per_onboarding']:.1f}"
        f"   (dropped from a full queue: {result.get('dropped_spans', 0)})"
    )
    lines.append("most made, per traced onboarding:")
    by_name = list(result.get("spans_by_name", {}).items())
    lines.extend(f"  {count:6.2f}  {name}" for name, count in by_name[:MOST_MADE])
    return "\n".join(lines)
