"""Decode OTLP/HTTP request bodies (protobuf or OTLP/JSON, optionally compressed) into plain data.

OTLP/JSON is not the standard proto3 JSON mapping: ids are hex strings, enums integers, 64-bit
integers strings or numbers. So JSON is walked by hand (after `orjson`), never through
`google.protobuf.json_format`. Anything that cannot be decoded raises `InvalidRequest`; single
spans with unusable ids are skipped and counted so the caller can report a partial success.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tracehouse.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from tracehouse.otlp.spans import LogData, SpanData, SpanEvent

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


T = TypeVar("T")


@dataclass(slots=True)
class Decoded(Generic[T]):
    """What a request held: the usable items and how many were rejected, and why."""

    items: list[T] = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.reasons) < 5:
            self.reasons.append(reason)

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)


def media_type(content_type: str | None) -> str:
    """`application/x-protobuf` or `application/json` (parameters ignored); else 415."""
    kind = (content_type or PROTOBUF).split(";", 1)[0].strip().lower()
    if kind in (PROTOBUF, "application/protobuf", "application/octet-stream"):
        return PROTOBUF
    if kind == JSON:
        return JSON
    raise UnsupportedMediaType(
        f"Unsupported Content-Type {kind!r}: send application/x-protobuf or application/json."
    )


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo `Content-Encoding` (gzip, deflate or identity), refusing output over `limit` bytes."""
    name = (encoding or "identity").strip().lower()
    if name in ("", "identity", "none"):
        return body
    if name in ("gzip", "x-gzip"):
        return _inflate(body, zlib.MAX_WBITS | 16, limit)
    if name == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, limit)
        except InvalidRequest:
            return _inflate(body, -zlib.MAX_WBITS, limit)  # raw deflate, no zlib header
    raise UnsupportedMediaType(f"Unsupported Content-Encoding {name!r}: use gzip or deflate.")


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidRequest(f"Body could not be decompressed: {exc}.") from exc
    if len(out) > limit:
        raise PayloadTooLarge(f"Decompressed body exceeds {limit} bytes.")
    if not inflater.eof:
        raise InvalidRequest("Compressed body is truncated.")
    return out


# --- protobuf ---------------------------------------------------------------------------------


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
                problem = _id_problem(trace_id, span_id)
                if problem:
                    out.reject(problem)
                    continue
                parent = span.parent_span_id.hex()
                status = span.status
                out.items.append(
                    SpanData(
                        trace_id=trace_id,
                        span_id=span_id,
                        parent_span_id=parent if parent and parent != _ZERO_SPAN else None,
                        name=span.name,
                        kind=span.kind,
                        start_time=_ns_to_us(span.start_time_unix_nano),
                        end_time=_ns_to_us(span.end_time_unix_nano),
                        status_code=status.code,
                        status_message=status.message or None,
                        attributes=_pb_attributes(span.attributes),
                        events=[
                            SpanEvent(
                                e.name, _ns_to_us(e.time_unix_nano), _pb_attributes(e.attributes)
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
                        time=_ns_to_us(record.time_unix_nano or record.observed_time_unix_nano),
                        event_name=record.event_name or _str_or_none(attributes.get("event.name")),
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


# --- OTLP/JSON --------------------------------------------------------------------------------


def spans_from_json(body: bytes) -> Decoded[SpanData]:
    document = _load_json(body, "resourceSpans", "resource_spans")
    out: Decoded[SpanData] = Decoded()
    for resource_spans in _objects(document, "resourceSpans", "resource_spans"):
        resource = _json_attributes(_object(resource_spans, "resource").get("attributes"))
        for scope_spans in _objects(resource_spans, "scopeSpans", "scope_spans"):
            scope = _object(scope_spans, "scope")
            for span in _objects(scope_spans, "spans"):
                try:
                    out.items.append(_json_span(span, resource, scope))
                except _BadItem as exc:
                    out.reject(str(exc))
    return out


def logs_from_json(body: bytes) -> Decoded[LogData]:
    document = _load_json(body, "resourceLogs", "resource_logs")
    out: Decoded[LogData] = Decoded()
    for resource_logs in _objects(document, "resourceLogs", "resource_logs"):
        resource = _json_attributes(_object(resource_logs, "resource").get("attributes"))
        for scope_logs in _objects(resource_logs, "scopeLogs", "scope_logs"):
            scope_name = _str_or_none(_object(scope_logs, "scope").get("name"))
            for record in _objects(scope_logs, "logRecords", "log_records"):
                try:
                    out.items.append(_json_log(record, resource, scope_name))
                except _BadItem as exc:
                    out.reject(str(exc))
    return out


class _BadItem(ValueError):
    """One span or log record is unusable; the rest of the request is fine."""


#: Where the JSON bodies that are not OTLP exports go.
_NATIVE_HINT = (
    "Native JSON traces go to POST /api/v1/traces (or /api/v1/traces/batch), Langfuse events "
    "to POST /api/public/ingestion."
)


def _load_json(body: bytes, camel: str, snake: str) -> dict[str, Any]:
    """The export document; 400 for JSON that is not one (an empty object is an empty export)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"Body is not valid JSON: {exc}.") from exc
    if not isinstance(document, dict):
        raise InvalidRequest(f"An OTLP/JSON body must be a JSON object. {_NATIVE_HINT}")
    if document and camel not in document and snake not in document:
        found = ", ".join(sorted(document)[:5])
        raise InvalidRequest(
            f"Not an OTLP/JSON export: this endpoint expects {{{camel!r}: [...]}} as "
            f"OpenTelemetry exporters send it, and found the keys {found}. {_NATIVE_HINT}",
            {"expected": camel},
        )
    return document


def _get(obj: dict[str, Any], camel: str, snake: str | None = None) -> Any:
    value = obj.get(camel)
    if value is None and snake is not None:
        value = obj.get(snake)
    return value


def _objects(obj: dict[str, Any], camel: str, snake: str | None = None) -> Iterator[dict[str, Any]]:
    """The objects in list field `camel` (or `snake`); a wrong shape is a 400 for the body."""
    value = _get(obj, camel, snake)
    if value is None:
        return
    if not isinstance(value, list):
        raise InvalidRequest(f"OTLP/JSON field {camel!r} must be an array.")
    for item in value:
        if not isinstance(item, dict):
            raise InvalidRequest(f"OTLP/JSON field {camel!r} must hold objects.")
        yield item


def _object(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(f"OTLP/JSON field {key!r} must be an object.")
    return value


def _json_span(span: dict[str, Any], resource: dict[str, Any], scope: dict[str, Any]) -> SpanData:
    trace_id = _hex_id(_get(span, "traceId", "trace_id"), 32, "traceId")
    span_id = _hex_id(_get(span, "spanId", "span_id"), 16, "spanId")
    parent = _get(span, "parentSpanId", "parent_span_id")
    parent_id = _hex_id(parent, 16, "parentSpanId") if parent else None
    raw_status = span.get("status")
    status: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
    events = []
    for event in _item_list(span.get("events"), "events"):
        events.append(
            SpanEvent(
                name=str(event.get("name") or ""),
                time=_ns_to_us(_int(_get(event, "timeUnixNano", "time_unix_nano"))),
                attributes=_json_attributes(event.get("attributes")),
            )
        )
    return SpanData(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=None if parent_id == _ZERO_SPAN else parent_id,
        name=str(span.get("name") or ""),
        kind=_enum(span.get("kind"), _SPAN_KINDS),
        start_time=_ns_to_us(_int(_get(span, "startTimeUnixNano", "start_time_unix_nano"))),
        end_time=_ns_to_us(_int(_get(span, "endTimeUnixNano", "end_time_unix_nano"))),
        status_code=_enum(status.get("code"), _STATUS_CODES),
        status_message=_str_or_none(status.get("message")),
        attributes=_json_attributes(span.get("attributes")),
        events=events,
        resource=resource,
        scope_name=_str_or_none(scope.get("name")),
        scope_version=_str_or_none(scope.get("version")),
    )


def _json_log(record: dict[str, Any], resource: dict[str, Any], scope: str | None) -> LogData:
    trace = _get(record, "traceId", "trace_id")
    span = _get(record, "spanId", "span_id")
    attributes = _json_attributes(record.get("attributes"))
    time = _int(_get(record, "timeUnixNano", "time_unix_nano")) or _int(
        _get(record, "observedTimeUnixNano", "observed_time_unix_nano")
    )
    return LogData(
        trace_id=_hex_id(trace, 32, "traceId") if trace else None,
        span_id=_hex_id(span, 16, "spanId") if span else None,
        time=_ns_to_us(time),
        event_name=_str_or_none(_get(record, "eventName", "event_name"))
        or _str_or_none(attributes.get("event.name")),
        severity_number=_enum(_get(record, "severityNumber", "severity_number"), {}),
        severity_text=_str_or_none(_get(record, "severityText", "severity_text")),
        body=_json_value(body) if isinstance(body := record.get("body"), dict) else None,
        attributes=attributes,
        resource=resource,
        scope_name=scope,
    )


def _item_list(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _BadItem(f"{name} must be an array of objects")
    return value


def _json_attributes(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _BadItem("attributes must be an array")
    out: dict[str, Any] = {}
    for pair in value:
        if isinstance(pair, dict) and isinstance(pair.get("key"), str):
            raw = pair.get("value")
            out[pair["key"]] = _json_value(raw) if isinstance(raw, dict) else None
    return out


def _json_value(value: dict[str, Any]) -> Any:
    """An OTLP/JSON AnyValue → Python. Unknown or malformed values become None."""
    for key, convert in _VALUE_CONVERTERS:
        if key in value:
            try:
                return convert(value[key])
            except (TypeError, ValueError, binascii.Error):
                return None
    return None


def _json_array(value: Any) -> list[Any]:
    values = value.get("values") if isinstance(value, dict) else None
    return [_json_value(v) if isinstance(v, dict) else None for v in values or []]


def _json_kvlist(value: Any) -> dict[str, Any]:
    values = value.get("values") if isinstance(value, dict) else None
    return _json_attributes(values if isinstance(values, list) else [])


def _double(value: Any) -> float:
    if isinstance(value, str):
        return float(value)  # "NaN", "Infinity", "-Infinity" or a numeric string
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)


def _strict_int(value: Any) -> int:
    result = _int(value)
    if result is None:
        raise TypeError("not an integer")
    return result


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def _strict_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


_VALUE_CONVERTERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("stringValue", _strict_str),
    ("string_value", _strict_str),
    ("intValue", _strict_int),
    ("int_value", _strict_int),
    ("boolValue", _strict_bool),
    ("bool_value", _strict_bool),
    ("doubleValue", _double),
    ("double_value", _double),
    ("arrayValue", _json_array),
    ("array_value", _json_array),
    ("kvlistValue", _json_kvlist),
    ("kvlist_value", _json_kvlist),
    ("bytesValue", lambda v: base64.b64encode(base64.b64decode(_strict_str(v))).decode()),
    ("bytes_value", lambda v: base64.b64encode(base64.b64decode(_strict_str(v))).decode()),
)

_SPAN_KINDS = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}
_STATUS_CODES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def _enum(value: Any, names: dict[str, int]) -> int:
    """Enums are integers in OTLP/JSON; names are accepted too. Unknown → 0."""
    if isinstance(value, str):
        return names.get(value, _int(value) or 0)
    return _int(value) or 0


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _hex_id(value: Any, length: int, name: str) -> str:
    if not isinstance(value, str) or len(value) != length:
        raise _BadItem(f"{name} must be {length} hex characters")
    lowered = value.lower()
    try:
        int(lowered, 16)
    except ValueError:
        raise _BadItem(f"{name} must be {length} hex characters") from None
    if length == 32 and lowered == _ZERO_TRACE:
        raise _BadItem(f"{name} must not be all zeros")
    if length == 16 and lowered == _ZERO_SPAN and name == "spanId":
        raise _BadItem(f"{name} must not be all zeros")
    return lowered


def _id_problem(trace_id: str, span_id: str) -> str | None:
    if len(trace_id) != 32 or trace_id == _ZERO_TRACE:
        return "traceId must be 16 non-zero bytes"
    if len(span_id) != 16 or span_id == _ZERO_SPAN:
        return "spanId must be 8 non-zero bytes"
    return None


def _ns_to_us(value: int | None) -> int | None:
    if not value or value < 0:
        return None
    if value >= 2**64:  # a fixed64 in OTLP; larger is no time any column holds
        raise _BadItem(f"time {value} ns is beyond the 64-bit range of OTLP times")
    return value // 1000


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = [
    "JSON",
    "PROTOBUF",
    "Decoded",
    "UnsupportedMediaType",
    "decompress",
    "logs_from_json",
    "logs_from_protobuf",
    "media_type",
    "spans_from_json",
    "spans_from_protobuf",
]
