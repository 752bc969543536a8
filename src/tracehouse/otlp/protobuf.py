"""OTLP protobuf bodies (`ExportTraceServiceRequest`, `ExportLogsServiceRequest`) to plain
data."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tracehouse.errors import InvalidRequest
from tracehouse.otlp.decoded import ZERO_SPAN, Decoded, id_problem, ns_to_us, str_or_none
from tracehouse.otlp.spans import LogData, SpanData, SpanEvent


def spans_from_protobuf(body: bytes) -> Decoded[SpanData]:
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise InvalidRequest(f"Body is not a valid OTLP ExportTraceServiceRequest: {exc}.") from exc
    out: Decoded[SpanData] = Decoded()
    for resource_spans in request.resource_spans:
        resource = _pb_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            for span in scope_spans.spans:
                trace_id = span.trace_id.hex()
                span_id = span.span_id.hex()
                problem = id_problem(trace_id, span_id)
                if problem:
                    out.reject(problem)
                    continue
                parent = span.parent_span_id.hex()
                status = span.status
                out.items.append(
                    SpanData(
                        trace_id=trace_id,
                        span_id=span_id,
                        parent_span_id=parent if parent and parent != ZERO_SPAN else None,
                        name=span.name,
                        kind=span.kind,
                        start_time=ns_to_us(span.start_time_unix_nano),
                        end_time=ns_to_us(span.end_time_unix_nano),
                        status_code=status.code,
                        status_message=status.message or None,
                        attributes=_pb_attributes(span.attributes),
                        events=[
                            SpanEvent(
                                e.name, ns_to_us(e.time_unix_nano), _pb_attributes(e.attributes)
                            )
                            for e in span.events
                        ],
                        resource=resource,
                        scope_name=scope.name or None,
                        scope_version=scope.version or None,
                    )
                )
    return out


def logs_from_protobuf(body: bytes) -> Decoded[LogData]:
    request = ExportLogsServiceRequest()
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise InvalidRequest(f"Body is not a valid OTLP ExportLogsServiceRequest: {exc}.") from exc
    out: Decoded[LogData] = Decoded()
    for resource_logs in request.resource_logs:
        resource = _pb_attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                attributes = _pb_attributes(record.attributes)
                out.items.append(
                    LogData(
                        trace_id=record.trace_id.hex() or None,
                        span_id=record.span_id.hex() or None,
                        time=ns_to_us(record.time_unix_nano or record.observed_time_unix_nano),
                        event_name=record.event_name or str_or_none(attributes.get("event.name")),
                        severity_number=record.severity_number,
                        severity_text=record.severity_text or None,
                        body=_pb_value(record.body) if record.HasField("body") else None,
                        attributes=attributes,
                        resource=resource,
                        scope_name=scope_logs.scope.name or None,
                    )
                )
    return out


_SCALARS = frozenset({"string_value", "int_value", "bool_value", "double_value"})


def _pb_attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in pairs:
        value = kv.value
        # Most attributes are non-empty strings: one field read tells, with no WhichOneof.
        text = value.string_value
        if text:
            out[kv.key] = text
            continue
        kind = value.WhichOneof("value")
        out[kv.key] = getattr(value, kind) if kind in _SCALARS else _pb_value(value)
    return out


def _pb_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind in _SCALARS:
        return getattr(value, kind)
    if kind == "array_value":
        values = value.array_value.values
        # Arrays are mostly of non-empty strings (finish reasons, tags): read those directly.
        return [v.string_value or _pb_value(v) for v in values]
    if kind == "kvlist_value":
        return _pb_attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return None
