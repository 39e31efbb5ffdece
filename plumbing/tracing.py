"""OpenTelemetry traces, switched on by the standard OTEL_* variables alone.

With no OTLP endpoint set nothing is configured: the API's no-op tracer stays in place, no
instrumentation wraps a call, and the Temporal client gets no interceptor.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import trace
from temporalio.contrib.opentelemetry import TracingInterceptor

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
HTTP_PROTOBUF = "http/protobuf"

_started = False


def tracing_wanted() -> bool:
    """An OTLP endpoint is set, and OTEL_SDK_DISABLED does not switch tracing off."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def tracing_started() -> bool:
    return _started


def export_protocol() -> str:
    for name in PROTOCOL_VARIABLES:
        value = os.environ.get(name)
        if value:
            if value != HTTP_PROTOBUF:
                # The collector takes OTLP over HTTP too; one exporter keeps the image small.
                raise SystemExit(f"{name}={value}: only {HTTP_PROTOBUF} is supported")
            return value
    return HTTP_PROTOBUF


def start_tracing(process: str) -> bool:
    """Export this process's spans over OTLP if an endpoint is set; True when it does.

    `process` names the service unless OTEL_SERVICE_NAME does; the sampler, the batch
    sizes and the exporter's endpoint, headers and timeout come from their OTEL_* variables.
    """
    global _started
    if _started or not tracing_wanted():
        return _started
    export_protocol()
    # Imported here: a process without tracing never loads the SDK or the instrumentations.
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from plumbing.light_tracer import LightTracerProvider
    from plumbing.otlp_spans import PrivateOTLPExporter
    from plumbing.span_sampling import WithoutBookkeeping

    # The SDK's provider reads the standard variables; spans are made by the light one.
    configured = TracerProvider(
        resource=Resource.create({SERVICE_NAME: process}), shutdown_on_exit=False
    )
    provider = LightTracerProvider(
        resource=configured.resource,
        sampler=WithoutBookkeeping(configured.sampler),
        ids=configured.id_generator,
        # The exporter writes each span without personal data as it encodes it.
        processor=BatchSpanProcessor(PrivateOTLPExporter()),
    )
    trace.set_tracer_provider(provider)
    # Statements only: the SQL is parameterised, so its text holds no one's values.
    instrumentor = AsyncPGInstrumentor(capture_parameters=False)  # type: ignore[no-untyped-call]
    instrumentor.instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    _started = True
    return True


def temporal_interceptors() -> list[Any]:
    """The Temporal client's interceptors: spans for its calls, and for the workflows and
    activities of a worker built on it, joined to the caller's trace through the headers."""
    return [TracingInterceptor()] if _started else []
