"""The tracing benchmark's arithmetic (bench/tracing_figures.py): per-onboarding CPU, medians
by mode, and traced over untraced pair by pair."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from bench.tracing import sampling, share
from bench.tracing_figures import APP, OFF, ON, Round, report, table
from bench.tracing_rounds import run_paced


def a_round(mode: str, seconds: float, web: float, worker: float) -> Round:
    return Round(mode, 100, seconds, {"web": web, "worker": worker, "temporal": 3.0})


ROUNDS = [
    a_round(OFF, 10.0, web=2.0, worker=4.0),
    a_round(ON, 10.0, web=2.2, worker=4.6),
    a_round(ON, 12.5, web=2.4, worker=4.8),
    a_round(OFF, 12.0, web=2.0, worker=4.0),
    a_round(OFF, 8.0, web=1.8, worker=4.2),
    a_round(ON, 10.0, web=2.0, worker=5.2),
]


def test_cpu_per_onboarding_adds_the_web_app_and_worker() -> None:
    """A round's CPU per onboarding is each process's seconds over its onboardings, in ms."""
    cpu = ROUNDS[0].cpu_ms()
    assert cpu == pytest.approx({"web": 20.0, "worker": 40.0, "temporal": 30.0, APP: 60.0})


def test_each_mode_reports_the_median_of_its_rounds() -> None:
    """Throughput and CPU of a mode are the medians over its own rounds only."""
    result = report(ROUNDS)
    assert result[OFF]["per_second"] == pytest.approx(10.0)
    assert result[ON]["per_second"] == pytest.approx(10.0)
    assert result[ON][f"cpu_ms {APP}"] == pytest.approx(72.0)


def test_on_to_off_is_the_median_of_each_pairs_ratio() -> None:
    """Each traced round is divided by the untraced round of its own pair, in running order."""
    result = report(ROUNDS)
    assert result["on_to_off_by_pair"][f"cpu_ms {APP}"] == [1.133, 1.2, 1.2]
    assert result["on_to_off"][f"cpu_ms {APP}"] == pytest.approx(1.2)
    assert result["on_to_off"]["per_second"] == pytest.approx(0.96)


def a_result(sampler: dict[str, str]) -> dict[str, object]:
    """What the run reports for ROUNDS, with the traced pair's sampler."""
    return {
        "cores": 2,
        "pairs": 3,
        "onboardings": 100,
        "concurrency": 10,
        "spans_per_onboarding": 80.0,
        "sampler": sampler,
        **report(ROUNDS),
    }


def test_the_table_names_every_process_measured() -> None:
    """The printed table has a row for the web app, the worker, their sum and each server."""
    rows = [line.split()[0] for line in table(a_result(sampling(1.0))).splitlines()]
    assert {"web", "worker", "temporal"} <= set(rows)


def test_a_ratio_of_one_traces_every_span() -> None:
    """The default ratio sets the always-on sampler, as the goal's runs used."""
    assert sampling(1.0) == {"OTEL_TRACES_SAMPLER": "always_on"}


def test_a_lower_ratio_keeps_that_share_of_whole_traces() -> None:
    """Below 1, the parent-based ratio sampler: a process follows its caller's choice."""
    assert sampling(0.1) == {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    }


@pytest.mark.parametrize(
    "given", ["0", "1.5", "-0.2", "tenth"], ids=["zero", "above", "negative", "word"]
)
def test_a_ratio_outside_zero_to_one_is_refused(given: str) -> None:
    """The command line takes a ratio above 0 and at most 1, and names what it refused."""
    with pytest.raises(argparse.ArgumentTypeError, match=given):
        share(given)


def test_the_table_says_how_the_traced_pair_sampled() -> None:
    """The printed table names the sampler and the share the traced pair kept."""
    printed = table(a_result(sampling(0.1)))
    assert (
        "traced with OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1"
        in printed
    )


async def test_a_paced_run_starts_onboardings_while_earlier_ones_still_run() -> None:
    """At a rate, each onboarding starts on time whether or not the earlier ones finished."""
    started: list[int] = []
    all_started = asyncio.Event()

    async def onboarding(index: int) -> None:
        started.append(index)
        if len(started) == 5:
            all_started.set()
        # None finishes before the last has started: a run that waited for them would hang.
        await all_started.wait()

    await asyncio.wait_for(run_paced(5, 1000.0, onboarding), timeout=30)
    assert started == [0, 1, 2, 3, 4]


def test_the_table_says_how_a_side_by_side_paced_run_was_driven() -> None:
    """A paced run's table gives the rate instead of the concurrency, and the pairs' order."""
    printed = table({**a_result(sampling(1.0)), "rate": 8.0, "side_by_side": True})
    assert "100 onboardings, 8 started a second, side by side" in printed
