"""Finished spans written straight into OTLP's protobuf bytes, without personal data.

The OTLP exporter's own encoder builds a protobuf object for every span, attribute and
value, and the filter of personal data copied every span before that: together about
110 µs a span, more than making the span. Writing the wire format directly, leaving out
the private attributes on the way (plumbing/private_spans.py says which), costs a fraction
of that. The messages and field numbers are those of opentelemetry/proto/trace/v1/trace.proto
and common/v1/common.proto; tests/test_tracing_setup.py decodes what this writes with the
published classes.
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext

from plumbing.private_spans import DROPPED, WITHOUT_QUERY

log = logging.getLogger(__name__)
# The flags' bits (SpanFlags): whether the parent's remoteness is known, and is remote.
HAS_IS_REMOTE, IS_REMOTE = 0x100, 0x200
_FIXED64 = struct.Struct("<Q")
_DOUBLE = struct.Struct("<d")
_FIXED32 = struct.Struct("<I")


_ONE_BYTE = [bytes((n,)) for n in range(0x80)]


def _varint(value: int) -> bytes:
    if 0 <= value < 0x80:
        return _ONE_BYTE[value]
    if value < 0:
        value &= 0xFFFFFFFFFFFFFFFF  # int64 as protobuf writes it: two's complement
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


# Every field number here is below 16: its tag is one byte.
_LEN = [_tag(field, 2) for field in range(16)]


def _nested(field: int, payload: bytes) -> bytes:
    """A length-delimited field: a string, bytes or an embedded message."""
    size = len(payload)
    return _LEN[field] + (_ONE_BYTE[size] if size < 0x80 else _varint(size)) + payload


def _text(field: int, text: str) -> bytes:
    return _nested(field, text.encode()) if text else b""


def _number(field: int, value: int) -> bytes:
    return _tag(field, 0) + _varint(value) if value else b""


def _fixed64(field: int, value: int | None) -> bytes:
    return _tag(field, 1) + _FIXED64.pack(value) if value else b""


def _any_value(value: Any) -> bytes:
    """An AnyValue, typed as the SDK allows attributes: str, bool, int, float, bytes or a
    sequence of them."""
    if isinstance(value, str):
        return _nested(1, value.encode())
    if isinstance(value, bool):
        return _tag(2, 0) + _varint(int(value))
    if isinstance(value, int):
        return _tag(3, 0) + _varint(value)
    if isinstance(value, float):
        return _tag(4, 1) + _DOUBLE.pack(value)
    if isinstance(value, bytes):
        return _nested(7, value)
    if isinstance(value, Mapping):
        return _nested(6, b"".join(_nested(1, _key_value(str(k), v)) for k, v in value.items()))
    if isinstance(value, Sequence):
        return _nested(5, b"".join(_nested(1, _any_value(v)) for v in value))
    return b""  # None: an empty AnyValue


def _key_value(key: str, value: Any) -> bytes:
    return _nested(1, key.encode()) + _nested(2, _any_value(value))


@functools.lru_cache(maxsize=2048)
def _text_key_value(key: str, value: str) -> bytes:
    """The same texts come back span after span (a statement, the database's name and
    address, a route): each is written once. Only attributes that are exported get here."""
    return _key_value(key, value)


def _attributes(field: int, attributes: Mapping[str, Any] | None) -> bytes:
    """The KeyValues of the attributes an operator may see; the query of a URL cut off."""
    if not attributes:
        return b""
    out = []
    for key, value in attributes.items():
        if key in DROPPED:
            continue
        if key in WITHOUT_QUERY and isinstance(value, str):
            value = value.split("?", 1)[0]
        if type(value) is str:
            out.append(_nested(field, _text_key_value(key, value)))
        else:
            out.append(_nested(field, _key_value(key, value)))
    return b"".join(out)


def _flags(context: SpanContext | None) -> bytes:
    flags = HAS_IS_REMOTE | (IS_REMOTE if context is not None and context.is_remote else 0)
    return _FIXED32.pack(flags)


def _trace_state(context: SpanContext) -> str:
    state = context.trace_state
    return ",".join(f"{k}={v}" for k, v in state.items()) if state else ""


def span_bytes(span: ReadableSpan) -> bytes:
    """One Span message, without personal attributes and without the status's text."""
    context = span.get_span_context()
    assert context is not None  # every span the SDK ends has one
    parts = [
        _nested(1, context.trace_id.to_bytes(16, "big")),
        _nested(2, context.span_id.to_bytes(8, "big")),
        _text(3, _trace_state(context)),
    ]
    if span.parent is not None:
        parts.append(_nested(4, span.parent.span_id.to_bytes(8, "big")))
    parts += [
        _text(5, span.name),
        _number(6, span.kind.value + 1),  # SpanKind INTERNAL (0) is SPAN_KIND_INTERNAL (1)
        _fixed64(7, span.start_time),
        _fixed64(8, span.end_time),
        _attributes(9, span.attributes),
        _number(10, span.dropped_attributes),
    ]
    for event in span.events:
        body = _fixed64(1, event.timestamp) + _text(2, event.name)
        body += _attributes(3, event.attributes) + _number(4, event.dropped_attributes)
        parts.append(_nested(11, body))
    parts.append(_number(12, span.dropped_events))
    for link in span.links:
        body = _nested(1, link.context.trace_id.to_bytes(16, "big"))
        body += _nested(2, link.context.span_id.to_bytes(8, "big"))
        body += _text(3, _trace_state(link.context)) + _attributes(4, link.attributes)
        body += _number(5, link.dropped_attributes) + _tag(6, 5) + _flags(link.context)
        parts.append(_nested(13, body))
    parts.append(_number(14, span.dropped_links))
    # The status keeps its code; its description is an error's text.
    parts.append(_nested(15, _number(3, span.status.status_code.value)))
    parts.append(_tag(16, 5) + _flags(span.parent))
    return b"".join(parts)


def _scope(scope: InstrumentationScope | None) -> bytes:
    if scope is None:
        return b""
    return _text(1, scope.name) + _text(2, scope.version or "") + _attributes(3, scope.attributes)


def export_request(spans: Iterable[ReadableSpan]) -> bytes:
    """An ExportTraceServiceRequest: the spans under their resource and scope."""
    # By identity: a provider's spans share its resource and each tracer's scope, and
    # hashing a resource serialises its attributes, span after span.
    grouped: dict[int, tuple[Resource, dict[int, tuple[InstrumentationScope | None, list[bytes]]]]]
    grouped = {}
    for span in spans:
        resource = span.resource
        scopes = grouped.setdefault(id(resource), (resource, {}))[1]
        scope = span.instrumentation_scope
        scopes.setdefault(id(scope), (scope, []))[1].append(_nested(2, span_bytes(span)))
    out = []
    for resource, scopes in grouped.values():
        body = _nested(1, _attributes(1, resource.attributes))
        for scope, encoded in scopes.values():
            scope_spans = _nested(1, _scope(scope)) + b"".join(encoded)
            if scope is not None:
                scope_spans += _text(3, scope.schema_url or "")
            body += _nested(2, scope_spans)
        body += _text(3, resource.schema_url)
        out.append(_nested(1, body))
    return b"".join(out)


class PrivateOTLPExporter(OTLPSpanExporter):
    """The OTLP/HTTP exporter, configured by the same OTEL_* variables, sending the bytes
    written above: no span leaves the process with personal data."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            return SpanExportResult.FAILURE
        try:
            data = export_request(spans)
        except Exception:  # an attribute of a type the SDK does not allow: drop the batch
            log.exception("spans not encoded")
            return SpanExportResult.FAILURE
        # The exporter's own HTTP client (a private member; tests/test_tracing_onboarding.py
        # exports through it): its endpoint, headers, compression, timeout and retries.
        sent = self._client.export(data)
        return SpanExportResult.SUCCESS if sent.success else SpanExportResult.FAILURE
