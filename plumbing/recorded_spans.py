"""The span a traced process records: what the OTLP encoder (plumbing/otlp_spans.py) reads,
kept in plain slots.

The SDK's span guards its attributes with a lock, checks and copies every value, and makes a
read-only copy of itself when it ends; measured in the benchmark's traced processes, making
and ending one cost 40 to 55 µs, more than half of what tracing added to an onboarding. Here
a span belongs to the task that made it until it ends, and is handed to the span processor
as it is. An exception's message and stack trace are never written: the encoder would leave
them out, as they may quote someone's data, so they are not worth formatting.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode
from opentelemetry.util import types

# The SDK's default limits (OTEL_SPAN_*_COUNT_LIMIT unset): more is counted as dropped.
MOST_ATTRIBUTES = MOST_EVENTS = MOST_LINKS = 128
UNSET = Status(StatusCode.UNSET)


class RecordedEvent:
    __slots__ = ("attributes", "dropped_attributes", "name", "timestamp")

    def __init__(self, name: str, attributes: types.Attributes, timestamp: int) -> None:
        self.name = name
        self.timestamp = timestamp
        self.attributes, self.dropped_attributes = _bounded(attributes)


def _bounded(attributes: types.Attributes) -> tuple[dict[str, Any], int]:
    """A copy the caller cannot change afterwards, without None values, at most the limit."""
    kept = {k: v for k, v in (attributes or {}).items() if v is not None}
    if len(kept) <= MOST_ATTRIBUTES:
        return kept, 0
    return dict(list(kept.items())[:MOST_ATTRIBUTES]), len(kept) - MOST_ATTRIBUTES


def exception_type(exception: BaseException) -> str:
    """The exception's class as OpenTelemetry names it: qualified unless a builtin."""
    kind = type(exception)
    module = kind.__module__
    return f"{module}.{kind.__qualname__}" if module and module != "builtins" else kind.__qualname__


class RecordedSpan(trace_api.Span):
    """A sampled span: recording until it ends, then passed once to the span processor."""

    def __init__(
        self,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        attributes: types.Attributes,
        links: Sequence[Link],
        start_time: int | None,
        resource: Resource,
        scope: InstrumentationScope,
        processor: SpanProcessor,
        exceptions: tuple[bool, bool] = (True, True),
    ) -> None:
        self.name = name
        self.context = context
        self.parent = parent
        self.kind = kind
        self.attributes, self.dropped_attributes = _bounded(attributes)
        self.links = list(links[:MOST_LINKS])
        self.dropped_links = max(0, len(links) - MOST_LINKS)
        self.events: list[RecordedEvent] = []
        self.dropped_events = 0
        self.status = UNSET
        self.resource = resource
        self.instrumentation_scope = scope
        self.start_time = start_time or time.time_ns()
        self.end_time: int | None = None
        self._processor = processor
        # As the tracer was asked: record an escaping exception, and fail the span for it.
        self._record_exception, self._set_status_on_exception = exceptions

    def get_span_context(self) -> SpanContext:
        return self.context

    def is_recording(self) -> bool:
        return self.end_time is None

    def end(self, end_time: int | None = None) -> None:
        if self.end_time is not None:
            return  # ended once, exported once
        self.end_time = end_time or time.time_ns()
        self._processor.on_end(self)  # type: ignore[arg-type] # what the encoder reads

    def set_attributes(self, attributes: Mapping[str, types.AnyValue]) -> None:
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def set_attribute(self, key: str, value: types.AnyValue) -> None:
        if self.end_time is not None or value is None:
            return
        if key in self.attributes or len(self.attributes) < MOST_ATTRIBUTES:
            self.attributes[key] = value
        else:
            self.dropped_attributes += 1

    def add_event(
        self, name: str, attributes: types.Attributes = None, timestamp: int | None = None
    ) -> None:
        if self.end_time is not None:
            return
        if len(self.events) < MOST_EVENTS:
            self.events.append(RecordedEvent(name, attributes, timestamp or time.time_ns()))
        else:
            self.dropped_events += 1

    def add_link(self, context: SpanContext, attributes: types.Attributes = None) -> None:
        if self.end_time is not None or not context.is_valid:
            return
        if len(self.links) < MOST_LINKS:
            self.links.append(Link(context, attributes))
        else:
            self.dropped_links += 1

    def update_name(self, name: str) -> None:
        if self.end_time is None:
            self.name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        # As the SDK: OK is final, UNSET changes nothing. Only the code is exported.
        code = status.status_code if isinstance(status, Status) else status
        if self.end_time is not None or code is StatusCode.UNSET:
            return
        if self.status.status_code is not StatusCode.OK:
            self.status = status if isinstance(status, Status) else Status(code, description)

    def record_exception(
        self,
        exception: BaseException,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        recorded = {"exception.type": exception_type(exception), "exception.escaped": str(escaped)}
        self.add_event("exception", {**recorded, **(attributes or {})}, timestamp)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        """Ends the span; an exception leaving it is recorded and fails it, as asked."""
        if exc_val is not None and self.end_time is None:
            if self._record_exception:
                self.record_exception(exc_val, escaped=True)
            if self._set_status_on_exception:
                self.set_status(StatusCode.ERROR)
        self.end()
