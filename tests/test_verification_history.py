"""The recorded runs of the company verification: the activity is there, replayed by
tests/test_replay.py, and its input names the onboarding only; no run carries a patch marker,
since there is one shape before the first release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

HISTORIES = Path(__file__).parent / "histories"
VERIFYING = ("verified-approved", "disqualified-while-pending")


def events(path: Path) -> list[HistoryEvent]:
    return list(WorkflowHistory.from_json(path.stem, json.loads(path.read_text())).events)


def recorded(ending: str) -> Path:
    [path] = sorted(HISTORIES.glob(f"*-v1-{ending}.json"))
    return path


def patch_markers(path: Path) -> list[HistoryEvent]:
    return [
        event
        for event in events(path)
        if event.HasField("marker_recorded_event_attributes")
        and event.marker_recorded_event_attributes.marker_name == "core_patch"
    ]


def scheduled(path: Path, activity: str) -> list[HistoryEvent]:
    return [
        event
        for event in events(path)
        if event.HasField("activity_task_scheduled_event_attributes")
        and event.activity_task_scheduled_event_attributes.activity_type.name == activity
    ]


@pytest.mark.parametrize("ending", VERIFYING)
async def test_the_run_verifies_by_reference(ending: str) -> None:
    """The verification runs once, and its activity gets the reference and lead id alone."""
    [event] = scheduled(recorded(ending), "verify_company")
    payloads = event.activity_task_scheduled_event_attributes.input.payloads
    [arg] = await pydantic_data_converter.decode(payloads, [dict])
    assert set(arg) == {"reference", "lead_id"}


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
def test_no_run_carries_a_patch(path: Path) -> None:
    """One shape before the first release: no recorded run marks a patch."""
    assert patch_markers(path) == []
