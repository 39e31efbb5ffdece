"""How each worker runs: its concurrency, its pollers, its drain on SIGTERM, its sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.worker import PollerBehaviorAutoscaling
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from plumbing.settings import Settings

# Modules without side effects or workflow state, imported once instead of re-imported in
# the sandbox of every new workflow instance.
PASSTHROUGH_MODULES = (
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "domain",
    # Check digits of the form's identifiers: domain's validators import it.
    "stdnum",
    "workflows.models",
    "activities",
)
# The SDK's own first guess, before the server's answers steer the count.
INITIAL_POLLS = 5


def autoscaled_polls(minimum: int, maximum: int) -> PollerBehaviorAutoscaling:
    """Pollers the SDK adds while tasks wait and drops while the queue is idle, so a quiet
    replica holds few long polls open on the frontend and a busy one is never short of them."""
    return PollerBehaviorAutoscaling(
        minimum=minimum, maximum=maximum, initial=min(INITIAL_POLLS, maximum)
    )


def worker_options(settings: Settings | None = None) -> dict[str, Any]:
    """Concurrency, polling, cache, drain and sandbox settings shared by every worker."""
    options: dict[str, Any] = {
        "graceful_shutdown_timeout": timedelta(seconds=10),
        "workflow_runner": SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
        ),
    }
    if settings is not None:
        options.update(
            max_concurrent_activities=settings.onboarding_max_concurrent_activities,
            max_concurrent_workflow_tasks=settings.onboarding_max_concurrent_workflow_tasks,
            max_cached_workflows=settings.onboarding_max_cached_workflows,
            # Two at least: one poll for the sticky queue of cached runs, one for the shared.
            workflow_task_poller_behavior=autoscaled_polls(
                2, settings.onboarding_max_workflow_task_polls
            ),
            activity_task_poller_behavior=autoscaled_polls(
                1, settings.onboarding_max_activity_task_polls
            ),
            graceful_shutdown_timeout=settings.onboarding_worker_shutdown_grace,
        )
    return options
