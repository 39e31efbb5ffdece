"""The whole-onboarding benchmark's printed table, read from its JSON report."""

from __future__ import annotations

from typing import Any


def table(report: dict[str, Any]) -> str:
    lines = [throughput_table(report)]
    fixed = report["fixed_rate"]
    lines.append(f"fixed rate: {fixed['requests']} requests")
    for name in ("form_post", "submit_to_lead_in_sales", "won_to_approval_email"):
        p = fixed[name]
        if p:
            lines.append(
                f"  {name:<28} p50 {p['p50_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms"
                f"  p99 {p['p99_ms']:7.1f} ms"
            )
    for count, w in report.get("waiting", {}).items():
        lines.append(
            f"waiting {count:>6}: submitted in {w['submit_seconds']} s, settled in "
            f"{w['settled_seconds']} s, worker RSS {w['worker_rss_mib']} MiB, "
            f"Temporal store {w['temporal_store_mib']} MiB"
        )
    return "\n".join(lines)


def throughput_table(report: dict[str, Any]) -> str:
    lines = [
        f"cores: {report['cores']}   onboardings per throughput run: {report['onboardings']}"
        f" (in {len(report['rounds']) // 2} alternating rounds)"
    ]
    lines.append(
        f"reference (fixed shape, no-op)  {report['reference_per_second']:8.1f} onboardings/s"
        f"   {report['reference_history_events']:5.1f} history events each"
    )
    lines.append(
        f"real, full speed                {report['real_per_second']:8.1f} onboardings/s"
        f"   {report['history_events']:5.1f} history events each"
        f"   ({report['real_to_reference']:.2f} of the reference)"
    )
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
