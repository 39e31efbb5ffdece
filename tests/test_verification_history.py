"""The recorded runs of the verification's shape (patch "company-verification"): the patch
and the activity are there, replayed by tests/test_replay.py, and the activity's input names
the onboarding only; the released shape's runs have neither."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from workflows.company_verification import PATCH

HISTORIES = Path(__file__).parent / "histories"


def events(path: Path) -> list[HistoryEvent]:
    return list(WorkflowHistory.from_json(path.stem, json.loads(path.read_text())).events)


def onboardings(shape: str) -> list[Path]:
    """The recorded onboarding runs of a shape (other workflows' recordings aside)."""
    return [
        path
        for path in sorted(HISTORIES.glob(f"*-{shape}-*.json"))
        if events(path)[0].workflow_execution_started_event_attributes.workflow_type.name
        == "OnboardingWorkflow"
    ]


V2, V1 = onboardings("v2"), onboardings("v1")


def patches(path: Path) -> list[str]:
    found = []
    for event in events(path):
        marker = event.marker_recorded_event_attributes
        if (
            event.HasField("marker_recorded_event_attributes")
            and marker.marker_name == "core_patch"
        ):
            [data] = marker.details["patch-data"].payloads
            found.append(json.loads(data.data)["id"])
    return found


def scheduled(path: Path, activity: str) -> list[HistoryEvent]:
    return [
        event
        for event in events(path)
        if event.HasField("activity_task_scheduled_event_attributes")
        and event.activity_task_scheduled_event_attributes.activity_type.name == activity
    ]


def test_both_shapes_of_the_verification_are_recorded() -> None:
    """A run verified before its decision, and one that ended while still pending."""
    names = {path.stem.split("-", 1)[1] for path in V2}
    assert {"v2-verified-approved", "v2-disqualified-while-pending"} <= names


@pytest.mark.parametrize("path", V2, ids=lambda p: p.stem)
async def test_the_new_shape_verifies_by_reference(path: Path) -> None:
    """The patch is marked once and the activity gets the reference and lead id alone."""
    assert patches(path).count(PATCH) == 1
    [event] = scheduled(path, "verify_company")
    payloads = event.activity_task_scheduled_event_attributes.input.payloads
    [arg] = await pydantic_data_converter.decode(payloads, [dict])
    assert set(arg) == {"reference", "lead_id"}


@pytest.mark.parametrize("path", V1, ids=lambda p: p.stem)
def test_the_released_shape_does_not_verify(path: Path) -> None:
    """Runs from before the patch neither mark it nor verify."""
    assert PATCH not in patches(path)
    assert scheduled(path, "verify_company") == []
