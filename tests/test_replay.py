"""Histories recorded from real runs replay against the current workflow code.

Before the first release there is one shape, recorded afresh when it changes; after one, a
change that would break running onboardings fails here: guard it with `workflow.patched`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.onboarding import OnboardingWorkflow
from workflows.purchase_approval import PurchaseApprovalWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
ENDINGS = (
    "approved-with-ignored-signals",
    "disqualified",
    "lost",
    "expired-after-reminders",
    # An approval the requester's email blocks: staff reject it, or retry it (held, then free).
    "blocked-rejected",
    "blocked-retried-approved",
    # The company verification: done before the decision, or still pending when it came.
    "verified-approved",
    "disqualified-while-pending",
    # Information requests: answered, then approved; unanswered, then the onboarding expired.
    "information-answered-approved",
    "information-expired-then-onboarding-expired",
    # An order's wait for approval: told, reminded and expired; or decided.
    "purchase-approval-reminded-expired",
    "purchase-approval-decided",
)


def test_histories_are_recorded() -> None:
    """Every ending of the current shape is recorded, a blocked approval's two among them."""
    recorded = {path.stem.split("-", 1)[1] for path in HISTORIES}
    assert {f"v1-{ending}" for ending in ENDINGS} <= recorded


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    """The current workflow code makes the same decisions as the run that was recorded."""
    history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
    replayer = Replayer(
        workflows=[OnboardingWorkflow, PurchaseApprovalWorkflow],
        data_converter=pydantic_data_converter,
    )
    await replayer.replay_workflow(history)
