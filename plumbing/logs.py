"""Log lines: JSON with the trace, the span and the onboarding they belong to, or the
plain text a person reads in a terminal (ONBOARDING_LOG_FORMAT=text, as the dev run sets)."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from opentelemetry import trace
from temporalio import activity

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def onboarding_reference() -> str | None:
    """The running onboarding's reference (its workflow id) inside its activities."""
    if activity.in_activity():
        info = activity.info()
        if info.workflow_type == "OnboardingWorkflow":
            return info.workflow_id
    return None


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            line["trace_id"] = trace.format_trace_id(context.trace_id)
            line["span_id"] = trace.format_span_id(context.span_id)
        reference = onboarding_reference() or _workflow_reference(record)
        if reference:
            line["reference"] = reference
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _workflow_reference(record: logging.LogRecord) -> str | None:
    # The SDK's workflow logger puts the run's details on the record.
    details = getattr(record, "temporal_workflow", None)
    if isinstance(details, dict) and details.get("workflow_type") == "OnboardingWorkflow":
        return str(details.get("workflow_id"))
    return None


def configure_logging() -> None:
    """INFO and up to standard error, in the format ONBOARDING_LOG_FORMAT names (json)."""
    # Neither format shows the caller's file and line, thread or process: not looking them
    # up spares every line (one per request, in the web app's access log) a walk of the
    # stack and three more calls, as the logging HOWTO's "Optimization" describes.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    if os.environ.get("ONBOARDING_LOG_FORMAT", "json") == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        handler.setFormatter(JsonLines())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
