"""The light tracer (plumbing/light_tracer.py, plumbing/recorded_spans.py): the spans it
records export as the SDK's would, and it follows the sampler and the caller's trace."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from plumbing.light_tracer import LightTracerProvider
from plumbing.otlp_spans import IS_REMOTE, export_request
from plumbing.span_sampling import WithoutBookkeeping

RESOURCE = Resource.create({"service.name": "web"})
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


class CountingIds(IdGenerator):
    """Ids in the order they are asked for, the same for any tracer given the same calls."""

    def __init__(self) -> None:
        self.last = 0

    def generate_span_id(self) -> int:
        self.last += 1
        return self.last

    def generate_trace_id(self) -> int:
        self.last += 1
        return self.last << 64


def light_provider(processor: SpanProcessor, sampler: Sampler = ALWAYS_ON) -> LightTracerProvider:
    return LightTracerProvider(RESOURCE, WithoutBookkeeping(sampler), CountingIds(), processor)


def light_spans(
    run: Callable[[Tracer], None], sampler: Sampler = ALWAYS_ON
) -> tuple[ReadableSpan, ...]:
    exported = InMemorySpanExporter()
    provider = light_provider(SimpleSpanProcessor(exported), sampler)
    run(provider.get_tracer(__name__, "1.0"))
    provider.shutdown()
    return exported.get_finished_spans()


def sdk_spans(run: Callable[[Tracer], None]) -> tuple[ReadableSpan, ...]:
    exported = InMemorySpanExporter()
    provider = TracerProvider(
        resource=RESOURCE,
        sampler=WithoutBookkeeping(ALWAYS_ON),
        id_generator=CountingIds(),
        shutdown_on_exit=False,
    )
    provider.add_span_processor(SimpleSpanProcessor(exported))
    run(provider.get_tracer(__name__, "1.0"))
    return exported.get_finished_spans()


def sent(spans: tuple[ReadableSpan, ...]) -> ExportTraceServiceRequest:
    """The export request without its clock readings, which differ from run to run."""
    request = ExportTraceServiceRequest.FromString(export_request(spans))
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                span.start_time_unix_nano = span.end_time_unix_nano = 0
                for event in span.events:
                    event.time_unix_nano = 0
    return request


def an_onboarding_request(tracer: Tracer) -> None:
    """Nested spans with every kind of attribute, a link, events, statuses and a failure."""
    with tracer.start_as_current_span("POST", kind=SpanKind.SERVER) as request:
        request.set_attributes({"url.path": "/api/onboarding-requests", "server.port": 8000})
        link = Link(request.get_span_context(), {"why": "decision"})
        with tracer.start_as_current_span(
            "SELECT",
            kind=SpanKind.CLIENT,
            attributes={"db.statement": "SELECT 1", "ok": True, "names": ("a", "b")},
            links=[link],
        ) as statement:
            statement.add_event("retried", {"attempt": 2, "ratio": 0.5})
            statement.set_status(Status(StatusCode.OK))
            statement.set_status(StatusCode.ERROR)  # OK is final
        with tracer.start_as_current_span("BEGIN;", kind=SpanKind.CLIENT):
            pass  # dropped by the sampler
        with pytest.raises(KeyError), tracer.start_as_current_span("SMTP send"):
            raise KeyError("aiko@contoso.example")
        closed = tracer.start_span("CompleteWorkflow:OnboardingWorkflow", start_time=5)
        closed.update_name("CompleteWorkflow:Onboarding")
        closed.end(end_time=5)
        request.set_attribute("http.response.status_code", 202)


def test_spans_export_as_the_sdks_spans_do() -> None:
    """The same calls give the same OTLP request through the light tracer as through the SDK."""
    assert sent(light_spans(an_onboarding_request)) == sent(sdk_spans(an_onboarding_request))


def test_a_span_is_exported_once_and_frozen_at_its_end() -> None:
    """Ending a span again exports nothing more; what is set after its end is not kept."""

    def twice(tracer: Tracer) -> None:
        span = tracer.start_span("SELECT")
        span.end()
        span.set_attribute("late", 1)
        span.add_event("late")
        span.end()
        assert not span.is_recording()

    (span,) = light_spans(twice)
    assert span.attributes == {}
    assert span.events == []


def test_a_span_the_sampler_drops_is_neither_recorded_nor_exported() -> None:
    """A bookkeeping statement is a non-recording span, current for its block all the same."""

    def bookkeeping(tracer: Tracer) -> None:
        with tracer.start_as_current_span("BEGIN;", kind=SpanKind.CLIENT) as span:
            assert not span.is_recording()
            assert trace.get_current_span() is span

    assert light_spans(bookkeeping) == ()


def caller_context(flags: str) -> Context:
    carrier = {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-{flags}", "tracestate": "shop=1"}
    return TraceContextTextMapPropagator().extract(carrier)


def local_context(flags: int) -> Context:
    parent = SpanContext(int(CALLER_TRACE, 16), 7, is_remote=False, trace_flags=TraceFlags(flags))
    return trace.set_span_in_context(trace.NonRecordingSpan(parent))


class Disguised(Sampler):
    """The same decisions as `inner`, under a name the light tracer does not know."""

    def __init__(self, inner: Sampler) -> None:
        self._inner = inner

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return self._inner.should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return "Disguised"


def decisions(sampler: Sampler) -> list[tuple[object, ...]]:
    """What the tracer decides for each kind of span, under each kind of parent."""
    tracer = light_provider(SimpleSpanProcessor(InMemorySpanExporter()), sampler).get_tracer("x")
    parents = [None, caller_context("00"), caller_context("01"), local_context(0), local_context(1)]
    spans = [
        ("SELECT", SpanKind.CLIENT),
        ("BEGIN;", SpanKind.CLIENT),
        ("RunWorkflow", SpanKind.INTERNAL),
        ("ValidateUpdate:decide_qualify_lead", SpanKind.SERVER),
    ]
    made: list[tuple[object, ...]] = []
    for context in parents:
        for name, kind in spans:
            span = tracer.start_span(name, context, kind)
            made.append((name, span.is_recording(), span.get_span_context().trace_flags))
            made.append((name, span.get_span_context().trace_state))
            span.end()
    return made


@pytest.mark.parametrize(
    "sampler", [ALWAYS_ON, ParentBased(ALWAYS_ON)], ids=["always-on", "parent-based-always-on"]
)
def test_the_tracer_decides_as_the_sampler_would(sampler: Sampler) -> None:
    """For always_on and the SDK's default, the tracer's own decision is the sampler's, for
    every parent and for bookkeeping alike."""
    known = WithoutBookkeeping(sampler)
    assert known.every_span or known.as_the_parent
    assert not WithoutBookkeeping(Disguised(sampler)).as_the_parent
    assert decisions(sampler) == decisions(Disguised(sampler))


def test_a_span_continues_its_callers_trace() -> None:
    """Under a context from another process, the span joins that trace, under that span."""

    def continued(tracer: Tracer) -> None:
        tracer.start_span("RunWorkflow", context=caller_context("01")).end()

    (span,) = (
        sent(light_spans(continued, ParentBased(ALWAYS_ON))).resource_spans[0].scope_spans[0].spans
    )
    assert span.trace_id.hex() == CALLER_TRACE
    assert span.parent_span_id.hex() == CALLER_SPAN
    assert span.flags & IS_REMOTE


def test_a_callers_choice_not_to_sample_is_followed() -> None:
    """With the parent-based sampler, a trace the caller did not sample records nothing here."""

    def unsampled(tracer: Tracer) -> None:
        span = tracer.start_span("RunWorkflow", context=caller_context("00"))
        assert not span.is_recording()
        span.end()

    assert light_spans(unsampled, ParentBased(ALWAYS_ON)) == ()


async def test_a_cancelled_task_ends_its_span_without_failing_it() -> None:
    """A cancellation is not an error: the span ends unset, with no exception recorded."""
    exported = InMemorySpanExporter()
    provider = light_provider(SimpleSpanProcessor(exported))
    tracer = provider.get_tracer(__name__)

    async def waiting() -> None:
        with tracer.start_as_current_span("GET /api/onboarding-requests/{reference}"):
            await asyncio.Event().wait()

    task = asyncio.create_task(waiting())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (span,) = exported.get_finished_spans()
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == []


def test_queued_spans_are_exported_when_the_provider_shuts_down() -> None:
    """A process that stops exports the spans its batch still held."""
    exported = InMemorySpanExporter()
    provider = light_provider(BatchSpanProcessor(exported, schedule_delay_millis=3_600_000))
    provider.get_tracer(__name__).start_span("SMTP send").end()
    assert exported.get_finished_spans() == ()
    provider.shutdown()
    assert [span.name for span in exported.get_finished_spans()] == ["SMTP send"]
