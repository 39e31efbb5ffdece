"""An OTLP/HTTP trace receiver in the benchmark's process: it takes what the traced processes'
exporters post to /v1/traces, as a collector would, and counts the spans of each service."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from devstack.ports import free_port

ANSWER = ExportTraceServiceResponse().SerializeToString()


@dataclass
class SpanSink:
    endpoint: str
    spans: Counter[str] = field(default_factory=Counter)
    # By service and span name: where the spans come from.
    names: Counter[tuple[str, str]] = field(default_factory=Counter)

    async def take(self, request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest.FromString(await request.read())
        for resource_spans in export.resource_spans:
            service = next(
                (
                    kv.value.string_value
                    for kv in resource_spans.resource.attributes
                    if kv.key == "service.name"
                ),
                "",
            )
            for scope in resource_spans.scope_spans:
                self.spans[service] += len(scope.spans)
                self.names.update((service, span.name) for span in scope.spans)
        return web.Response(body=ANSWER, content_type="application/x-protobuf")


@contextlib.asynccontextmanager
async def span_sink() -> AsyncIterator[SpanSink]:
    """A sink on a free port of 127.0.0.1; its endpoint is OTEL_EXPORTER_OTLP_ENDPOINT's."""
    port = free_port()
    sink = SpanSink(endpoint=f"http://127.0.0.1:{port}")
    app = web.Application(client_max_size=64 * 2**20)  # a batch of 512 spans is well under
    app.router.add_post("/v1/traces", sink.take)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield sink
    finally:
        await runner.cleanup()
