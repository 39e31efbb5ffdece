"""What an onboarding costs on Temporal Cloud: `python -m bench actions` (see docs/benchmark.md).

Runs approved and rejected onboardings through the real path, counts each run's billable
actions from its history by Temporal Cloud's published rules (bench/billable.py), and reads
the dev server's own `action` counter over the same run: the two should agree, apart from
what a history never shows (queries).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.billable import billable_actions
from bench.drivers import http_onboarding, new_run, plan
from bench.stack import open_stack
from devstack.ports import free_port
from plumbing.settings import Settings
from plumbing.temporal import connect_temporal

# Pay-as-you-go's first tier, https://docs.temporal.io/cloud/pricing (read 2026-12-07).
DOLLARS_PER_MILLION_ACTIONS = 50.0
SAMPLE = re.compile(r"^action\{(?P<labels>[^}]*)\} (?P<value>\S+)$", re.MULTILINE)
LABEL = re.compile(r'(\w+)="([^"]*)"')


def action_counter(metrics_text: str, namespace: str) -> Counter[str]:
    """The server's `action` counter for one namespace, by action type."""
    counts: Counter[str] = Counter()
    for sample in SAMPLE.finditer(metrics_text):
        labels = dict(LABEL.findall(sample["labels"]))
        if labels.get("namespace") == namespace:
            counts[labels.get("action_type", "")] += int(float(sample["value"]))
    return counts


async def settled_counter(http: aiohttp.ClientSession, url: str, namespace: str) -> Counter[str]:
    """The counter once it stops moving: the server reports its metrics about once a second,
    so a read right after the last call could miss that call's actions."""
    last: Counter[str] | None = None
    steady = 0
    while steady < 3:
        async with http.get(url) as response:
            counts = action_counter(await response.text(), namespace)
        steady = steady + 1 if counts == last else 0
        last = counts
        await asyncio.sleep(1.0)
    assert last is not None
    return last


def indices(count: int, approved: bool) -> list[int]:
    """The first `count` onboarding indices whose plan approves (or rejects)."""
    chosen: list[int] = []
    index = 0
    while len(chosen) < count:
        if (plan(index) == "won") == approved:
            chosen.append(index)
        index += 1
    return chosen


def per_run(counts: list[Counter[str]]) -> dict[str, Any]:
    total: Counter[str] = sum(counts, Counter())
    return {
        "runs": len(counts),
        "actions_per_run": round(total.total() / len(counts), 2),
        "by_kind_per_run": {k: round(v / len(counts), 2) for k, v in sorted(total.items())},
    }


async def history_actions(client: Any, workflow_id: str) -> Counter[str]:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return billable_actions(history.to_json_dict()["events"])


async def main(args: argparse.Namespace) -> dict[str, Any]:
    metrics_port = free_port()
    stack = await open_stack({}, temporal_metrics_port=metrics_port)
    try:
        if stack.temporal is None:
            raise SystemExit("needs the embedded Temporal server: unset TEMPORAL_ADDRESS")
        settings = Settings(
            onboarding_environment="dev", temporal_address=stack.env["TEMPORAL_ADDRESS"]
        )
        namespace = str(settings.temporal_connect_config()["namespace"])
        client = await connect_temporal(settings)
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        async with aiohttp.ClientSession(stack.url) as http:
            before = await settled_counter(http, metrics_url, namespace)
            began = datetime.now(UTC)
            run, gate = new_run(), asyncio.Semaphore(args.concurrency)

            async def one(index: int) -> tuple[int, str]:
                async with gate:
                    reference = await http_onboarding(http, run, index)
                await client.get_workflow_handle(reference).result()
                return index, reference

            chosen = indices(args.approved, True) + indices(args.rejected, False)
            done = await asyncio.gather(*(one(i) for i in chosen))
            after = await settled_counter(http, metrics_url, namespace)
        by_plan: dict[str, list[Counter[str]]] = {}
        for index, reference in done:
            by_plan.setdefault(plan(index), []).append(await history_actions(client, reference))
        # Every run the period started (an onboarding's own, and any other), for the total
        # the server's counter is compared with.
        everything: Counter[str] = Counter()
        query = f'StartTime >= "{began.isoformat()}"'
        runs = [w.id async for w in client.list_workflows(query)]
        for workflow_id in runs:
            everything += await history_actions(client, workflow_id)
    finally:
        await stack.close()
    metric = after - before
    queries = metric["grpc_QueryWorkflow"]
    rejected = by_plan.get("lost", []) + by_plan.get("disqualify", [])
    report: dict[str, Any] = {
        "approved": per_run(by_plan["won"]),
        "rejected": per_run(rejected),
        "by_plan": {name: per_run(counts) for name, counts in sorted(by_plan.items())},
        "history_total": everything.total(),
        "history_runs": len(runs),
        "metric_total": metric.total(),
        "metric_by_type": dict(sorted(metric.items())),
        "metric_queries": queries,
        "queries_per_onboarding": round(queries / len(done), 2),
        "agree": metric.total() - queries == everything.total(),
        "dollars_per_million_actions": DOLLARS_PER_MILLION_ACTIONS,
    }
    for ending in ("approved", "rejected"):
        actions = report[ending]["actions_per_run"] + report["queries_per_onboarding"]
        report[ending]["dollars_per_1000"] = round(
            actions * 1000 * DOLLARS_PER_MILLION_ACTIONS / 1e6, 4
        )
    return report


def table(report: dict[str, Any]) -> str:
    lines = ["billable actions per onboarding (from histories)"]
    for ending in ("approved", "rejected"):
        figures = report[ending]
        lines.append(
            f"  {ending:<9} {figures['actions_per_run']:>6} over {figures['runs']} runs:"
            f" {figures['by_kind_per_run']}"
        )
    for name, figures in report["by_plan"].items():
        lines.append(f"    {name:<10} {figures['actions_per_run']:>6}")
    lines.append(f"  queries per onboarding (server only) {report['queries_per_onboarding']}")
    lines.append(f"server `action` counter: {report['metric_total']} = {report['metric_by_type']}")
    lines.append(
        f"histories of the period's {report['history_runs']} runs: {report['history_total']};"
        f" counter less queries: {report['metric_total'] - report['metric_queries']}"
        f" -> {'agree' if report['agree'] else 'DISAGREE'}"
    )
    rate = report["dollars_per_million_actions"]
    for ending in ("approved", "rejected"):
        lines.append(
            f"1,000 {ending} onboardings at ${rate:g}/M actions (queries included):"
            f" ${report[ending]['dollars_per_1000']}"
        )
    return "\n".join(lines)


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench actions", description=__doc__)
    parser.add_argument("--approved", type=int, default=20)
    parser.add_argument("--rejected", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--json", type=Path, default=Path("bench/results/actions.json"))
    args = parser.parse_args(argv)
    report = asyncio.run(main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"JSON: {args.json}")
