"""Temporal Cloud's billable actions in one workflow run, counted from its history.

The rules are Temporal Cloud's published ones, https://docs.temporal.io/cloud/actions
(read 2026-12-07), as far as a history shows them:

- workflow started: one (a continued-as-new run counts in the new run's started event);
- child workflow start initiated: two (the intent and the attempt to start);
- activity scheduled: one, and one per retry (the started event's attempt minus one);
- local activities: one per workflow task whose completion recorded any marker, however
  many markers it holds, and one per non-first local activity attempt that task reports;
- timer started, signal received, update accepted, search attribute upsert,
  workflow execution options updated, Nexus operation scheduled or cancel requested: one each.

What a history never shows is billed too and left out here: queries, activity heartbeats,
rejected updates, schedules' own actions and exports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

ONE_EACH = {
    "WORKFLOW_EXECUTION_STARTED": "workflow started",
    "ACTIVITY_TASK_SCHEDULED": "activity",
    "TIMER_STARTED": "timer",
    "WORKFLOW_EXECUTION_SIGNALED": "signal",
    "WORKFLOW_EXECUTION_UPDATE_ACCEPTED": "update",
    "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": "search attribute upsert",
    "WORKFLOW_EXECUTION_OPTIONS_UPDATED": "workflow options updated",
    "NEXUS_OPERATION_SCHEDULED": "nexus operation",
    "NEXUS_OPERATION_CANCEL_REQUESTED": "nexus operation",
}
# Versioning's own search attribute is exempt from the upsert's action.
EXEMPT_ATTRIBUTE = "TemporalChangeVersion"


def _kind(event: Mapping[str, Any]) -> str:
    # The JSON form of a history names types either way: "EVENT_TYPE_TIMER_STARTED" or
    # "TimerStarted"; both become "TIMER_STARTED".
    name = str(event["eventType"]).removeprefix("EVENT_TYPE_")
    if name.isupper():
        return name
    return "".join(f"_{c}" if c.isupper() else c.upper() for c in name).lstrip("_")


def _only_versioning(event: Mapping[str, Any]) -> bool:
    attributes = event.get("upsertWorkflowSearchAttributesEventAttributes", {})
    fields = attributes.get("searchAttributes", {}).get("indexedFields", {})
    return bool(fields) and set(fields) == {EXEMPT_ATTRIBUTE}


def billable_actions(events: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """The run's billable actions, by kind."""
    actions: Counter[str] = Counter()
    # A workflow task's commands follow its completed event; its markers are one batch.
    task_has_marker = False
    for event in events:
        kind = _kind(event)
        if kind == "WORKFLOW_TASK_COMPLETED":
            task_has_marker = False
            metering = event.get("workflowTaskCompletedEventAttributes", {}).get(
                "meteringMetadata", {}
            )
            retries = int(metering.get("nonfirstLocalActivityExecutionAttempts", 0))
            if retries:
                actions["local activity retry"] += retries
        elif kind == "MARKER_RECORDED" and not task_has_marker:
            task_has_marker = True
            actions["local activities (one per workflow task)"] += 1
        elif kind == "START_CHILD_WORKFLOW_EXECUTION_INITIATED":
            actions["child workflow"] += 2
        elif kind == "ACTIVITY_TASK_STARTED":
            attempt = int(event.get("activityTaskStartedEventAttributes", {}).get("attempt", 1))
            if attempt > 1:
                actions["activity retry"] += attempt - 1
        elif kind == "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES" and _only_versioning(event):
            continue
        elif kind in ONE_EACH:
            actions[ONE_EACH[kind]] += 1
    return actions
