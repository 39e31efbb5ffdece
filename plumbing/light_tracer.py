"""A tracer provider that records spans as plumbing/recorded_spans.py keeps them.

It takes from the SDK what the standard variables configure (the sampler, the resource, the
ids) and its batch span processor, so OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES,
OTEL_SERVICE_NAME and OTEL_BSP_* mean what they mean everywhere. What it leaves out is the
SDK's cost per span (plumbing/recorded_spans.py says where that goes), its own metrics and
the span limits' OTEL_*_LIMIT variables: every span keeps the default limits. For the two
samplers that decide from the parent alone (`always_on`, and `parentbased_always_on`, the
default) it makes their decision itself; it asks any other.

`start_as_current_span` is a context manager only (a `with` block), which is how every
instrumentation in these processes uses it; it does not decorate functions.
"""

from __future__ import annotations

import atexit
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState
from opentelemetry.util import types

from plumbing.recorded_spans import RecordedSpan
from plumbing.span_sampling import WithoutBookkeeping, bookkeeping


class LightTracerProvider(trace_api.TracerProvider):
    def __init__(
        self,
        resource: Resource,
        sampler: WithoutBookkeeping,
        ids: IdGenerator,
        processor: SpanProcessor,
    ) -> None:
        self.resource = resource
        self.sampler = sampler
        self.ids = ids
        self.processor = processor
        self._tracers: dict[tuple[str, str | None, str | None], LightTracer] = {}
        # As the SDK's provider does: the spans still queued are exported at exit.
        atexit.register(self.shutdown)

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: types.Attributes = None,
    ) -> trace_api.Tracer:
        key = (instrumenting_module_name, instrumenting_library_version, schema_url)
        tracer = self._tracers.get(key)
        if tracer is None:
            scope = InstrumentationScope(*key, attributes)
            tracer = self._tracers[key] = LightTracer(self, scope)
        return tracer

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.processor.force_flush(timeout_millis)

    def shutdown(self) -> None:
        atexit.unregister(self.shutdown)
        self.processor.shutdown()


class LightTracer(trace_api.Tracer):
    def __init__(self, provider: LightTracerProvider, scope: InstrumentationScope) -> None:
        self._provider = provider
        self._scope = scope

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace_api.Span:
        provider = self._provider
        parent: SpanContext | None = trace_api.get_current_span(context).get_span_context()
        if parent is None or not parent.is_valid:
            parent = None
            trace_id = provider.ids.generate_trace_id()
            random_id = provider.ids.is_trace_id_random()
        else:
            trace_id = parent.trace_id
            random_id = parent.trace_flags.random_trace_id
        links = links or ()
        sampler = provider.sampler
        trace_state: TraceState | None
        if sampler.every_span or sampler.as_the_parent:
            # The sampler's own decision, made here: asking it cost a fifth of a whole span.
            if bookkeeping(name, kind):
                sampled, trace_state = False, None
            else:
                sampled = sampler.every_span or parent is None or parent.trace_flags.sampled
                trace_state = None if parent is None else parent.trace_state
        else:  # the sampler drops the bookkeeping itself
            decision = sampler.should_sample(context, trace_id, name, kind, attributes, links)
            # A span recorded but not sampled would reach no exporter: it is not made either.
            sampled = decision.decision is Decision.RECORD_AND_SAMPLE
            trace_state, attributes = decision.trace_state, decision.attributes
        flags = TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT
        if random_id:
            flags |= TraceFlags.RANDOM_TRACE_ID
        span_context = SpanContext(
            trace_id,
            provider.ids.generate_span_id(),
            is_remote=False,
            trace_flags=TraceFlags(flags),
            trace_state=trace_state,
        )
        if not sampled:
            return trace_api.NonRecordingSpan(span_context)
        return RecordedSpan(
            name,
            span_context,
            parent,
            kind,
            attributes,
            links,
            start_time,
            provider.resource,
            self._scope,
            provider.processor,
            (record_exception, set_status_on_exception),
        )

    def start_as_current_span(  # type: ignore[override] # a context manager, not a decorator
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> CurrentSpan:
        span = self.start_span(
            name, context, kind, attributes, links, start_time, record_exception,
            set_status_on_exception,
        )  # fmt: skip
        return CurrentSpan(span, end_on_exit, record_exception, set_status_on_exception)


class CurrentSpan:
    """The span, current inside the block: what the API's `use_span` does, in one object
    instead of two generators."""

    __slots__ = ("_end_on_exit", "_record_exception", "_set_status", "_span", "_token")

    def __init__(
        self, span: trace_api.Span, end_on_exit: bool, record_exception: bool, set_status: bool
    ) -> None:
        self._span = span
        self._end_on_exit = end_on_exit
        self._record_exception = record_exception
        self._set_status = set_status
        self._token: Any = None

    def __enter__(self) -> trace_api.Span:
        self._token = context_api.attach(trace_api.set_span_in_context(self._span))
        return self._span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        span = self._span
        try:
            context_api.detach(self._token)
            # As `use_span`: an Exception, not GeneratorExit or a cancellation, fails the span.
            if isinstance(exc_val, Exception) and span.is_recording():
                if self._record_exception:
                    span.record_exception(exc_val)
                if self._set_status:
                    span.set_status(Status(StatusCode.ERROR))
        finally:
            if self._end_on_exit:
                span.end()
