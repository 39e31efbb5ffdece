"""Temporal Cloud's billable actions counted from the recorded histories (bench/billable.py),
and the dev server's own `action` counter as the benchmark reads it (bench/actions.py).

Every ending pays one action for its start, one per signal, accepted update, timer and search
attribute upsert, and one per workflow task that ran local activities (its markers are one
batch), and one for the company verification, the onboarding's one regular activity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.actions import action_counter
from bench.billable import billable_actions

HISTORIES = Path(__file__).parent / "histories"
LOCAL = "local activities (one per workflow task)"


def counted(ending: str) -> dict[str, int]:
    path = HISTORIES / f"20261207-v1-{ending}.json"
    return dict(billable_actions(json.loads(path.read_text())["events"]))


@pytest.mark.parametrize(
    ("ending", "total"),
    [
        ("disqualified", 8),
        ("lost", 10),
        ("blocked-rejected", 14),
        ("approved-with-ignored-signals", 13),
        ("blocked-retried-approved", 17),
        ("expired-after-reminders", 23),
    ],
)
def test_each_ending_costs_its_actions(ending: str, total: int) -> None:
    """Each recorded ending adds up to the actions its shape pays for."""
    assert sum(counted(ending).values()) == total


def test_disqualified_pays_for_one_decision() -> None:
    """Disqualified: start, the wait's timer, the verification, one decision's signal, two
    upserts, two batches."""
    assert counted("disqualified") == {
        "workflow started": 1,
        "timer": 1,
        "activity": 1,
        "signal": 1,
        "search attribute upsert": 2,
        LOCAL: 2,
    }


def test_lost_pays_for_two_decisions() -> None:
    """Lost: the verification, the qualify and close signals, an upsert per step and the
    local activity batches of its workflow tasks."""
    assert counted("lost") == {
        "workflow started": 1,
        "timer": 1,
        "activity": 1,
        "signal": 2,
        "search attribute upsert": 3,
        LOCAL: 2,
    }


def test_ignored_signals_are_billed() -> None:
    """An approval that also got two signals it ignores pays for all four, and its timer."""
    assert counted("approved-with-ignored-signals") == {
        "workflow started": 1,
        "timer": 1,
        "activity": 1,
        "signal": 4,
        "search attribute upsert": 3,
        LOCAL: 3,
    }


def test_blocked_approval_pays_per_update() -> None:
    """A blocked approval retried once pays for both staff updates and an upsert after each."""
    assert counted("blocked-retried-approved") == {
        "workflow started": 1,
        "timer": 1,
        "activity": 1,
        "signal": 2,
        "update": 2,
        "search attribute upsert": 5,
        LOCAL: 5,
    }


def test_expiry_pays_for_every_reminder_timer() -> None:
    """An onboarding never decided pays a timer and a local activity batch per reminder."""
    expected = {"workflow started": 1, "timer": 10, "activity": 1, LOCAL: 11}
    assert counted("expired-after-reminders") == expected


def test_markers_of_one_task_are_one_action() -> None:
    """Two markers after one completed workflow task are one action; a later task's, another."""
    events = [
        {"eventType": "EVENT_TYPE_WORKFLOW_TASK_COMPLETED"},
        {"eventType": "EVENT_TYPE_MARKER_RECORDED"},
        {"eventType": "EVENT_TYPE_MARKER_RECORDED"},
        {"eventType": "EVENT_TYPE_WORKFLOW_TASK_COMPLETED"},
        {"eventType": "EVENT_TYPE_MARKER_RECORDED"},
    ]
    assert dict(billable_actions(events)) == {LOCAL: 2}


def test_retries_and_children_are_billed() -> None:
    """An activity's third attempt adds two, local activity retries add theirs, a child two."""
    events: list[dict[str, Any]] = [
        {"eventType": "ActivityTaskScheduled"},
        {"eventType": "ActivityTaskStarted", "activityTaskStartedEventAttributes": {"attempt": 3}},
        {
            "eventType": "WorkflowTaskCompleted",
            "workflowTaskCompletedEventAttributes": {
                "meteringMetadata": {"nonfirstLocalActivityExecutionAttempts": 4}
            },
        },
        {"eventType": "StartChildWorkflowExecutionInitiated"},
    ]
    assert dict(billable_actions(events)) == {
        "activity": 1,
        "activity retry": 2,
        "local activity retry": 4,
        "child workflow": 2,
    }


def test_versioning_upsert_is_free() -> None:
    """An upsert of only TemporalChangeVersion is exempt; one with other attributes is not."""
    fields: dict[str, Any] = {"TemporalChangeVersion": {}}
    versioning = {"searchAttributes": {"indexedFields": fields}}
    status = {"searchAttributes": {"indexedFields": {**fields, "OnboardingStatus": {}}}}
    events = [
        {
            "eventType": "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES",
            "upsertWorkflowSearchAttributesEventAttributes": attributes,
        }
        for attributes in (versioning, status)
    ]
    assert dict(billable_actions(events)) == {"search attribute upsert": 1}


def test_server_counter_is_read_for_one_namespace() -> None:
    """The server's `action` samples are summed by type, for the namespace asked for only."""
    text = "\n".join(
        [
            "# TYPE action counter",
            'action{action_type="grpc_StartWorkflowExecution",namespace="default"} 3',
            'action{action_type="command_StartTimer",namespace="default"} 2',
            'action{action_type="grpc_StartWorkflowExecution",namespace="temporal_system"} 5',
            'action_latency{action_type="x",namespace="default"} 9',
        ]
    )
    assert dict(action_counter(text, "default")) == {
        "grpc_StartWorkflowExecution": 3,
        "command_StartTimer": 2,
    }
