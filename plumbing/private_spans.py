"""Spans leave the process without personal data: what an instrumentation records about a
visitor (address, browser, query string) or an error's text is dropped before export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

# Who sent a request, from where and with what, and SQL parameters if ever switched on.
DROPPED = frozenset(
    {
        "client.address",
        "client.port",
        "net.peer.ip",
        "net.peer.port",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "network.peer.address",
        "network.peer.port",
        "http.client_ip",
        "http.user_agent",
        "user_agent.original",
        "user_agent.synthetic.type",
        "url.query",
        "db.statement.parameters",
        # A database error quotes the row it refused (an email in a unique key, say).
        "exception.message",
        "exception.stacktrace",
    }
)
# A one-time link carries its token in the query; the path is enough to follow a request.
WITHOUT_QUERY = frozenset({"http.url", "http.target", "url.full"})


def private(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if key in DROPPED:
            continue
        if key in WITHOUT_QUERY and isinstance(value, str):
            value = value.split("?", 1)[0]
        kept[key] = value
    return kept


def without_personal_data(span: ReadableSpan) -> ReadableSpan:
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=private(span.attributes),
        events=[Event(e.name, private(e.attributes), e.timestamp) for e in span.events],
        links=span.links,
        kind=span.kind,
        # The status keeps its code; its description is the error's text.
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class PersonalDataLeftOut(SpanExporter):
    """Exports through `inner` each span without the attributes above."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([without_personal_data(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
