"""OTLP/JSON export documents (`{"resourceSpans": [...]}`, `{"resourceLogs": [...]}`) to
plain data, walked by hand after `orjson` (see `decode.py` for why). A wrong document shape is
a 400; one unusable span or log record is rejected and counted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from tracehouse.errors import InvalidRequest
from tracehouse.otlp.decoded import ZERO_SPAN, BadItem, Decoded, hex_id, ns_to_us, str_or_none
from tracehouse.otlp.json_values import enum_value, int_or_none, json_attributes, json_value
from tracehouse.otlp.spans import LogData, SpanData, SpanEvent


def spans_from_json(body: bytes) -> Decoded[SpanData]:
    document = load_json(body, "resourceSpans", "resource_spans")
    out: Decoded[SpanData] = Decoded()
    for resource_spans in objects(document, "resourceSpans", "resource_spans"):
        resource = json_attributes(object_field(resource_spans, "resource").get("attributes"))
        for scope_spans in objects(resource_spans, "scopeSpans", "scope_spans"):
            scope = object_field(scope_spans, "scope")
            for span in objects(scope_spans, "spans"):
                try:
                    out.items.append(_json_span(span, resource, scope))
                except BadItem as exc:
                    out.reject(str(exc))
    return out


def logs_from_json(body: bytes) -> Decoded[LogData]:
    document = load_json(body, "resourceLogs", "resource_logs")
    out: Decoded[LogData] = Decoded()
    for resource_logs in objects(document, "resourceLogs", "resource_logs"):
        resource = json_attributes(object_field(resource_logs, "resource").get("attributes"))
        for scope_logs in objects(resource_logs, "scopeLogs", "scope_logs"):
            scope_name = str_or_none(object_field(scope_logs, "scope").get("name"))
            for record in objects(scope_logs, "logRecords", "log_records"):
                try:
                    out.items.append(_json_log(record, resource, scope_name))
                except BadItem as exc:
                    out.reject(str(exc))
    return out


#: Where the JSON bodies that are not OTLP exports go.
_NATIVE_HINT = (
    "Native JSON traces go to POST /api/v1/traces (or /api/v1/traces/batch), Langfuse events "
    "to POST /api/public/ingestion."
)


def load_json(body: bytes, camel: str, snake: str) -> dict[str, Any]:
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


def objects(obj: dict[str, Any], camel: str, snake: str | None = None) -> Iterator[dict[str, Any]]:
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


def object_field(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(f"OTLP/JSON field {key!r} must be an object.")
    return value


def _json_span(span: dict[str, Any], resource: dict[str, Any], scope: dict[str, Any]) -> SpanData:
    trace_id = hex_id(_get(span, "traceId", "trace_id"), 32, "traceId")
    span_id = hex_id(_get(span, "spanId", "span_id"), 16, "spanId")
    parent = _get(span, "parentSpanId", "parent_span_id")
    parent_id = hex_id(parent, 16, "parentSpanId") if parent else None
    raw_status = span.get("status")
    status: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
    events = []
    for event in _item_list(span.get("events"), "events"):
        events.append(
            SpanEvent(
                name=str(event.get("name") or ""),
                time=ns_to_us(int_or_none(_get(event, "timeUnixNano", "time_unix_nano"))),
                attributes=json_attributes(event.get("attributes")),
            )
        )
    return SpanData(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=None if parent_id == ZERO_SPAN else parent_id,
        name=str(span.get("name") or ""),
        kind=enum_value(span.get("kind"), _SPAN_KINDS),
        start_time=ns_to_us(int_or_none(_get(span, "startTimeUnixNano", "start_time_unix_nano"))),
        end_time=ns_to_us(int_or_none(_get(span, "endTimeUnixNano", "end_time_unix_nano"))),
        status_code=enum_value(status.get("code"), _STATUS_CODES),
        status_message=str_or_none(status.get("message")),
        attributes=json_attributes(span.get("attributes")),
        events=events,
        resource=resource,
        scope_name=str_or_none(scope.get("name")),
        scope_version=str_or_none(scope.get("version")),
    )


def _json_log(record: dict[str, Any], resource: dict[str, Any], scope: str | None) -> LogData:
    trace = _get(record, "traceId", "trace_id")
    span = _get(record, "spanId", "span_id")
    attributes = json_attributes(record.get("attributes"))
    time = int_or_none(_get(record, "timeUnixNano", "time_unix_nano")) or int_or_none(
        _get(record, "observedTimeUnixNano", "observed_time_unix_nano")
    )
    return LogData(
        trace_id=hex_id(trace, 32, "traceId") if trace else None,
        span_id=hex_id(span, 16, "spanId") if span else None,
        time=ns_to_us(time),
        event_name=str_or_none(_get(record, "eventName", "event_name"))
        or str_or_none(attributes.get("event.name")),
        severity_number=enum_value(_get(record, "severityNumber", "severity_number"), {}),
        severity_text=str_or_none(_get(record, "severityText", "severity_text")),
        body=json_value(body) if isinstance(body := record.get("body"), dict) else None,
        attributes=attributes,
        resource=resource,
        scope_name=scope,
    )


def _item_list(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadItem(f"{name} must be an array of objects")
    return value


_SPAN_KINDS = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}
_STATUS_CODES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
