"""Decode OTLP metrics (`ExportMetricsServiceRequest`, protobuf or OTLP/JSON) into data points.

Metrics are few next to spans (one export a minute per instrument and attribute set), so the
protobuf form is turned into its JSON shape by `json_format` and one walker reads both. Gauges,
sums, histograms and exponential histograms (count, sum, min and max only) are decoded;
summaries are counted as rejected. Which points are kept is the caller's rule (`KEPT_PREFIX`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from tracehouse.errors import InvalidRequest
from tracehouse.otlp.decode import JSON
from tracehouse.otlp.decoded import Decoded, str_or_none
from tracehouse.otlp.json_export import load_json, object_field, objects
from tracehouse.otlp.json_values import double, int_or_none, json_attributes

#: The GenAI metrics of the semantic conventions (`gen_ai.client.token.usage`, …) are kept.
KEPT_PREFIX = "gen_ai."
_KINDS = ("gauge", "sum", "histogram", "exponentialHistogram")
_TEMPORALITY = {
    "AGGREGATION_TEMPORALITY_DELTA": "delta",
    "AGGREGATION_TEMPORALITY_CUMULATIVE": "cumulative",
    1: "delta",
    2: "cumulative",
}


@dataclass(slots=True)
class MetricPoint:
    """One data point of one metric. Times are epoch microseconds."""

    name: str
    unit: str | None
    kind: str  # gauge, sum, histogram, exponential_histogram
    temporality: str | None  # delta, cumulative (sums and histograms)
    start_time: int | None
    time: int
    attributes: dict[str, Any]
    service_name: str | None
    value: float | None = None  # gauges and sums
    count: int | None = None  # histograms
    sum: float | None = None
    min: float | None = None
    max: float | None = None
    bucket_counts: list[int] | None = None
    explicit_bounds: list[float] | None = field(default=None)


def decode_metrics(media: str, body: bytes) -> tuple[Decoded[MetricPoint], dict[str, int]]:
    """The kept data points (`KEPT_PREFIX`) and, by metric name, how many points were not kept."""
    document = (
        load_json(body, "resourceMetrics", "resource_metrics")
        if media == JSON
        else _protobuf_document(body)
    )
    out: Decoded[MetricPoint] = Decoded()
    skipped: dict[str, int] = {}
    for resource_metrics in objects(document, "resourceMetrics", "resource_metrics"):
        resource = json_attributes(object_field(resource_metrics, "resource").get("attributes"))
        service = str_or_none(resource.get("service.name"))
        for scope_metrics in objects(resource_metrics, "scopeMetrics", "scope_metrics"):
            for metric in objects(scope_metrics, "metrics"):
                _metric_points(metric, service, out, skipped)
    return out, skipped


def _protobuf_document(body: bytes) -> dict[str, Any]:
    request = ExportMetricsServiceRequest()
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise InvalidRequest(
            f"Body is not a valid OTLP ExportMetricsServiceRequest: {exc}."
        ) from exc
    document: dict[str, Any] = json_format.MessageToDict(request)
    return document


def _metric_points(
    metric: dict[str, Any], service: str | None, out: Decoded[MetricPoint], skipped: dict[str, int]
) -> None:
    name = str(metric.get("name") or "")
    kind = next((k for k in _KINDS if isinstance(metric.get(k), dict)), None)
    data = metric[kind] if kind else _first_dict(metric)
    points = list(objects(data, "dataPoints", "data_points")) if data is not None else []
    if kind is None or data is None or not name.startswith(KEPT_PREFIX):
        skipped[name or "(unnamed)"] = skipped.get(name or "(unnamed)", 0) + len(points)
        return
    temporality = _TEMPORALITY.get(_temporality(data))
    for point in points:
        try:
            out.items.append(_point(name, metric, kind, temporality, service, point))
        except (TypeError, ValueError) as exc:
            out.reject(f"{name}: {exc}")


def _first_dict(metric: dict[str, Any]) -> dict[str, Any] | None:
    """A summary (or an unknown kind): its points are counted, never kept."""
    return next((v for v in metric.values() if isinstance(v, dict) and "dataPoints" in v), None)


def _temporality(data: dict[str, Any]) -> Any:
    value = data.get("aggregationTemporality", data.get("aggregation_temporality"))
    return int_or_none(value) if not isinstance(value, str) or value.isdigit() else value


def _point(
    name: str,
    metric: dict[str, Any],
    kind: str,
    temporality: str | None,
    service: str | None,
    point: dict[str, Any],
) -> MetricPoint:
    time = int_or_none(point.get("timeUnixNano", point.get("time_unix_nano")))
    if not time or time < 0:
        raise ValueError("a data point needs timeUnixNano")
    start = int_or_none(point.get("startTimeUnixNano", point.get("start_time_unix_nano")))
    out = MetricPoint(
        name=name,
        unit=str_or_none(metric.get("unit")),
        kind="exponential_histogram" if kind == "exponentialHistogram" else kind,
        temporality=None if kind == "gauge" else temporality,
        start_time=start // 1000 if start and start > 0 else None,
        time=time // 1000,
        attributes=json_attributes(point.get("attributes")),
        service_name=service,
    )
    if kind in ("gauge", "sum"):
        out.value = _number(point)
    else:
        _histogram(point, out, buckets=kind == "histogram")
    return out


def _number(point: dict[str, Any]) -> float:
    if "asDouble" in point or "as_double" in point:
        value = double(point.get("asDouble", point.get("as_double")))
    else:
        whole = int_or_none(point.get("asInt", point.get("as_int")))
        if whole is None:
            raise ValueError("a number data point needs asDouble or asInt")
        value = float(whole)
    if not math.isfinite(value):
        raise ValueError("a number data point must be finite")
    return value


def _histogram(point: dict[str, Any], out: MetricPoint, *, buckets: bool) -> None:
    out.count = int_or_none(point.get("count")) or 0
    for field_name in ("sum", "min", "max"):
        raw = point.get(field_name)
        value = None if raw is None else double(raw)
        setattr(out, field_name, value if value is None or math.isfinite(value) else None)
    if buckets:
        counts = point.get("bucketCounts", point.get("bucket_counts")) or []
        bounds = point.get("explicitBounds", point.get("explicit_bounds")) or []
        out.bucket_counts = [int_or_none(c) or 0 for c in counts]
        out.explicit_bounds = [double(b) for b in bounds]


__all__ = ["KEPT_PREFIX", "MetricPoint", "decode_metrics"]
