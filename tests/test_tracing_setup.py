"""Tracing's switch, its filter of personal data and the log lines, without any process."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from plumbing import tracing
from plumbing.logs import JsonLines
from plumbing.private_spans import PersonalDataLeftOut


def test_without_an_endpoint_nothing_is_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OTLP endpoint: no tracer provider, and the Temporal client gets no interceptor."""
    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert tracing.start_tracing("web") is False
    assert tracing.temporal_interceptors() == []


def test_an_unsupported_protocol_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_EXPORTER_OTLP_PROTOCOL other than http/protobuf stops the process, naming it."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(SystemExit, match="OTEL_EXPORTER_OTLP_PROTOCOL=grpc"):
        tracing.export_protocol()


def test_exported_spans_lose_visitor_query_and_error_text() -> None:
    """Client address, browser, query string and an error's message never leave the process."""
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(PersonalDataLeftOut(exported)))
    tracer = provider.get_tracer(__name__)
    attributes = {
        "client.address": "203.0.113.9",
        "user_agent.original": "Mozilla/5.0",
        "url.full": "https://shop.example/activate?token=secret",
        "url.query": "token=secret",
        "url.path": "/activate",
    }
    with (
        pytest.raises(ValueError, match="aiko"),
        tracer.start_as_current_span("GET /activate", attributes=attributes),
    ):
        raise ValueError("duplicate key: aiko@contoso.example")
    (span,) = exported.get_finished_spans()
    assert dict(span.attributes or {}) == {
        "url.full": "https://shop.example/activate",
        "url.path": "/activate",
    }
    (event,) = span.events
    assert "exception.message" not in (event.attributes or {})
    assert (event.attributes or {})["exception.type"] == "ValueError"
    assert span.status.description is None


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
