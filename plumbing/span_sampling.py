"""Spans not worth recording: the sampler drops them before they cost anything but the
decision, and asks the configured sampler (OTEL_TRACES_SAMPLER) about every other span."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

# What asyncpg sends to open a transaction or mark a savepoint (the span is named after the
# statement's first word): no work of the server's worth a span, yet a tenth of an
# onboarding's spans, each costing as much to record and export as any other. COMMIT stays,
# where a transaction waits for its write to disk, and ROLLBACK, a failure's trace.
BOOKKEEPING = frozenset({"BEGIN", "BEGIN;", "SAVEPOINT", "RELEASE"})
# Temporal's mark that a workflow's update validator was called: made before the validator
# runs, with no duration and no outcome. A rejection fails the caller's StartWorkflowUpdate
# span, and an accepted update's HandleUpdate span follows; both stay.
UPDATE_VALIDATION = "ValidateUpdate:"


class WithoutBookkeeping(Sampler):
    """Drops the database client's bookkeeping spans; `inner` decides the others."""

    def __init__(self, inner: Sampler) -> None:
        self._inner = inner

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT and name in BOOKKEEPING:
            return SamplingResult(Decision.DROP)
        if kind is SpanKind.SERVER and name.startswith(UPDATE_VALIDATION):
            return SamplingResult(Decision.DROP)
        return self._inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"WithoutBookkeeping{{{self._inner.get_description()}}}"
