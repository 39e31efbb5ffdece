"""Spans not worth recording: the sampler drops them before they cost anything but the
decision, and asks the configured sampler (OTEL_TRACES_SAMPLER) about every other span."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
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


# The two samplers whose decision needs nothing but the parent's flag, known by their
# descriptions (the SDK's public face of a sampler): `always_on` samples every span, and
# `parentbased_always_on`, the SDK's default, every span whose parent is sampled or absent.
EVERY_SPAN = ALWAYS_ON.get_description()
AS_THE_PARENT = ParentBased(ALWAYS_ON).get_description()  # type: ignore[no-untyped-call]


def bookkeeping(name: str, kind: SpanKind | None) -> bool:
    """A span not worth recording: a transaction's bookkeeping, an update's validation."""
    if kind is SpanKind.CLIENT:
        return name in BOOKKEEPING
    return kind is SpanKind.SERVER and name.startswith(UPDATE_VALIDATION)


class WithoutBookkeeping(Sampler):
    """Drops the database client's bookkeeping spans; `inner` decides the others.

    `every_span` and `as_the_parent` say whether `inner` is one of the two samplers whose
    decision a tracer can make itself, without the calls and objects a decision costs here.
    """

    def __init__(self, inner: Sampler) -> None:
        self._inner = inner
        described = inner.get_description()
        self.every_span = described == EVERY_SPAN
        self.as_the_parent = described == AS_THE_PARENT

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
        if bookkeeping(name, kind):
            return SamplingResult(Decision.DROP)
        return self._inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"WithoutBookkeeping{{{self._inner.get_description()}}}"
