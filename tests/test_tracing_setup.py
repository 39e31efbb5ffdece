"""Tracing's switch, its filter of personal data and the log lines, without any process."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable

import pytest
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from plumbing import tracing
from plumbing.logs import JsonLines
from plumbing.otlp_spans import export_request
from plumbing.span_sampling import WithoutBookkeeping


def test_without_an_endpoint_nothing_is_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OTLP endpoint: no tracer provider, and the Temporal client gets no interceptor."""
    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert tracing.start_tracing("web") is False
    assert tracing.temporal_interceptors() == []


def test_the_sdk_switch_turns_tracing_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_SDK_DISABLED=true sets nothing up, even with an endpoint."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.invalid:4318")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "True")
    assert tracing.start_tracing("web") is False
    assert tracing.temporal_interceptors() == []


def test_an_unsupported_protocol_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_EXPORTER_OTLP_PROTOCOL other than http/protobuf stops the process, naming it."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(SystemExit, match="OTEL_EXPORTER_OTLP_PROTOCOL=grpc"):
        tracing.export_protocol()


def finished_spans(run: Callable[[Tracer], None]) -> tuple[ReadableSpan, ...]:
    """The spans `run` makes and ends with a tracer of their own."""
    exported = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "web"}))
    provider.add_span_processor(SimpleSpanProcessor(exported))
    run(provider.get_tracer(__name__, "1.0"))
    return exported.get_finished_spans()


def test_exported_spans_lose_visitor_query_and_error_text() -> None:
    """Client address, browser, query string and an error's message never leave the process."""
    attributes = {
        "client.address": "203.0.113.9",
        "user_agent.original": "Mozilla/5.0",
        "url.full": "https://shop.example/activate?token=secret",
        "url.query": "token=secret",
        "url.path": "/activate",
    }

    def failing_request(tracer: Tracer) -> None:
        with (
            pytest.raises(ValueError, match="aiko"),
            tracer.start_as_current_span("GET /activate", attributes=attributes),
        ):
            raise ValueError("duplicate key: aiko@contoso.example")

    sent = ExportTraceServiceRequest.FromString(export_request(finished_spans(failing_request)))
    (span,) = sent.resource_spans[0].scope_spans[0].spans
    assert {kv.key: kv.value.string_value for kv in span.attributes} == {
        "url.full": "https://shop.example/activate",
        "url.path": "/activate",
    }
    (event,) = span.events
    assert {kv.key: kv.value.string_value for kv in event.attributes}["exception.type"] == (
        "ValueError"
    )
    assert "exception.message" not in {kv.key for kv in event.attributes}
    assert span.status.code == span.status.STATUS_CODE_ERROR
    assert span.status.message == ""


def test_spans_are_encoded_as_the_otlp_exporter_encodes_them() -> None:
    """Without personal data, the bytes decode to what OTLP's own encoder makes of the spans."""

    def statements(tracer: Tracer) -> None:
        with tracer.start_as_current_span("POST /x", kind=SpanKind.SERVER) as request:
            values: dict[str, AttributeValue] = {
                **{"db.statement": "SELECT 1", "server.port": 5432, "ok": True, "ratio": 0.5},
                **{"negative": -3, "names": ("a", "b"), "sizes": (1, 2)},
            }
            link = Link(request.get_span_context(), {"why": "decision"})
            with tracer.start_as_current_span(
                "SELECT", kind=SpanKind.CLIENT, attributes=values, links=[link]
            ) as statement:
                statement.add_event("retried", {"attempt": 2})
                statement.set_status(Status(StatusCode.OK))

    spans = finished_spans(statements)
    assert ExportTraceServiceRequest.FromString(export_request(spans)) == encode_spans(spans)


def test_the_sampler_drops_bookkeeping_and_update_validation() -> None:
    """BEGIN and Temporal's validator mark are not recorded; COMMIT and the update's own
    span are."""
    sampler = WithoutBookkeeping(ALWAYS_ON)

    def decision(name: str, kind: SpanKind) -> Decision:
        return sampler.should_sample(Context(), 1, name, kind).decision

    assert decision("BEGIN;", SpanKind.CLIENT) is Decision.DROP
    assert decision("ValidateUpdate:decide_qualify_lead", SpanKind.SERVER) is Decision.DROP
    assert decision("COMMIT;", SpanKind.CLIENT) is Decision.RECORD_AND_SAMPLE
    assert decision("HandleUpdate:decide_qualify_lead", SpanKind.SERVER) is (
        Decision.RECORD_AND_SAMPLE
    )


def json_line(record: logging.LogRecord) -> dict[str, object]:
    line: dict[str, object] = json.loads(JsonLines().format(record))
    return line


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("workers", logging.INFO, __file__, 1, message, None, None)


def test_a_log_line_carries_the_current_trace_and_span() -> None:
    """Inside a span, the JSON line names its trace and span ids."""
    tracer = TracerProvider().get_tracer(__name__)
    with tracer.start_as_current_span("step") as span:
        line = json_line(record("done"))
    context = span.get_span_context()
    assert line["trace_id"] == f"{context.trace_id:032x}"
    assert line["span_id"] == f"{context.span_id:016x}"
    assert line["message"] == "done"


async def test_a_log_line_in_an_onboarding_activity_names_its_reference() -> None:
    """In an activity of an onboarding run, the line carries the onboarding's reference."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, workflow_type="OnboardingWorkflow", workflow_id="B2B-7TRACE0001"
    )

    @activity.defn
    async def log_a_line() -> dict[str, object]:
        return json_line(record("sent"))

    assert (await env.run(log_a_line))["reference"] == "B2B-7TRACE0001"
