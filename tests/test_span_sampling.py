"""The sampler that leaves the database client's transaction bookkeeping out of the traces
(plumbing/span_sampling.py), on a tracer provider of the test's own."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler
from opentelemetry.trace import SpanKind

from plumbing.span_sampling import WithoutBookkeeping

STATEMENTS = ("BEGIN;", "SAVEPOINT", "INSERT", "RELEASE", "COMMIT;", "ROLLBACK;")


def recorded(inner: Sampler, kind: SpanKind = SpanKind.CLIENT) -> list[str]:
    """The names of the spans exported when one of each statement runs."""
    exported = InMemorySpanExporter()
    provider = TracerProvider(sampler=WithoutBookkeeping(inner))
    provider.add_span_processor(SimpleSpanProcessor(exported))
    tracer = provider.get_tracer("opentelemetry.instrumentation.asyncpg")
    for name in STATEMENTS:
        with tracer.start_as_current_span(name, kind=kind):
            pass
    return [span.name for span in exported.get_finished_spans()]


def test_transaction_bookkeeping_is_not_recorded() -> None:
    """BEGIN, SAVEPOINT and RELEASE leave no span; a statement, COMMIT and ROLLBACK do."""
    assert recorded(ALWAYS_ON) == ["INSERT", "COMMIT;", "ROLLBACK;"]


def test_the_configured_sampler_decides_every_other_span() -> None:
    """With the configured sampler dropping all, no statement is recorded either."""
    assert recorded(ALWAYS_OFF) == []


def test_only_client_spans_count_as_bookkeeping() -> None:
    """A span of ours that happens to be named like a statement is kept."""
    assert recorded(ALWAYS_ON, kind=SpanKind.INTERNAL) == list(STATEMENTS)
