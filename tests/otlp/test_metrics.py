"""OTLP metrics at `/v1/metrics`: the GenAI client metrics are kept beside the traces and read
back from `/api/v1/metrics` (project-scoped); every other data point is reported as rejected
in `partial_success`, never silently dropped or falsely accepted."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from tests.conftest import Harness, LiveServer

JSON_HEADERS = {"Content-Type": "application/json"}
T1 = "1796500000000000000"
T2 = "1796500060000000000"


class Recording(MetricExporter):
    """The real OTLP/HTTP metric exporter, keeping each export's result."""

    def __init__(self, inner: OTLPMetricExporter) -> None:
        super().__init__()
        self.inner = inner
        self.results: list[MetricExportResult] = []

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kw: Any) -> Any:
        result = self.inner.export(metrics_data, timeout_millis=timeout_millis)
        self.results.append(result)
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown()


def test_otel_sdk_genai_metrics_are_kept(live_server: LiveServer) -> None:
    exporter = Recording(
        OTLPMetricExporter(endpoint=f"{live_server.url}/v1/metrics", headers=live_server.auth)
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        metric_readers=[reader], resource=Resource.create({"service.name": "metrics-app"})
    )
    meter = provider.get_meter("tests.genai")
    tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
    duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
    other = meter.create_counter("http.client.requests")
    labels = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"}
    tokens.record(21, {**labels, "gen_ai.token.type": "input"})
    tokens.record(7, {**labels, "gen_ai.token.type": "output"})
    tokens.record(30, {**labels, "gen_ai.token.type": "input"})
    duration.record(0.25, labels)
    other.add(3)
    provider.shutdown()
    assert exporter.results == [MetricExportResult.SUCCESS]

    body = live_server.get("/api/v1/metrics", name="gen_ai.client.token.usage")
    points = [p for p in body["data"] if p["service_name"] == "metrics-app"]
    by_type = {p["attributes"]["gen_ai.token.type"]: p for p in points}
    assert by_type["input"]["kind"] == "histogram" and by_type["input"]["count"] == 2
    assert by_type["input"]["sum"] == 51 and by_type["input"]["max"] == 30
    assert by_type["output"]["sum"] == 7 and by_type["output"]["unit"] == "{token}"
    assert by_type["input"]["temporality"] == "cumulative"
    assert sum(by_type["input"]["bucket_counts"]) == 2
    assert by_type["input"]["attributes"]["gen_ai.request.model"] == "gpt-4o-mini"
    durations = live_server.get("/api/v1/metrics", name="gen_ai.client.operation.duration")
    assert [p["sum"] for p in durations["data"] if p["service_name"] == "metrics-app"] == [0.25]
    assert live_server.get("/api/v1/metrics", name="http.client.requests")["data"] == []


def metrics_json(*metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]
                },
                "scopeMetrics": [{"scope": {"name": "hand"}, "metrics": list(metrics)}],
            }
        ]
    }


TOKENS = {
    "name": "gen_ai.client.token.usage",
    "unit": "{token}",
    "histogram": {
        "aggregationTemporality": 1,
        "dataPoints": [
            {
                "startTimeUnixNano": T1,
                "timeUnixNano": T2,
                "count": "2",
                "sum": 120,
                "min": 20,
                "max": 100,
                "bucketCounts": ["0", "1", "1"],
                "explicitBounds": [10, 50],
                "attributes": [
                    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                    {"key": "gen_ai.token.type", "value": {"stringValue": "input"}},
                ],
            }
        ],
    },
}
OTHER = {
    "name": "process.cpu.time",
    "sum": {
        "aggregationTemporality": 2,
        "isMonotonic": True,
        "dataPoints": [
            {"timeUnixNano": T2, "asDouble": 1.5},
            {"timeUnixNano": T2, "asInt": "4"},
        ],
    },
}


@pytest.mark.anyio
async def test_json_keeps_genai_and_reports_the_rest(th: Harness) -> None:
    body = orjson.dumps(metrics_json(TOKENS, OTHER))
    headers = {**th.auth, **JSON_HEADERS}
    for _ in range(2):  # a retried export replaces its points, never adds them again
        response = await th.client.post("/v1/metrics", content=body, headers=headers)
        assert response.status_code == 200, response.text
        partial = response.json()["partialSuccess"]
        assert partial["rejectedDataPoints"] == "2"
        assert "process.cpu.time" in partial["errorMessage"]
    listed = (await th.client.get("/api/v1/metrics", headers=th.auth)).json()
    assert listed["meta"]["total_count"] == 1
    (point,) = listed["data"]
    assert point["name"] == "gen_ai.client.token.usage" and point["temporality"] == "delta"
    assert (point["count"], point["sum"], point["min"], point["max"]) == (2, 120, 20, 100)
    assert point["bucket_counts"] == [0, 1, 1] and point["explicit_bounds"] == [10, 50]
    assert point["time"] == "2026-12-05T19:47:40.000000Z"
    assert point["start_time"] == "2026-12-05T19:46:40.000000Z"


@pytest.mark.anyio
async def test_protobuf_partial_success_and_langfuse_path(th: Harness) -> None:
    from google.protobuf import json_format

    request = json_format.ParseDict(metrics_json(TOKENS, OTHER), ExportMetricsServiceRequest())
    headers = {**th.auth, "Content-Type": "application/x-protobuf"}
    response = await th.client.post(
        "/api/public/otel/v1/metrics", content=request.SerializeToString(), headers=headers
    )
    assert response.status_code == 200, response.text
    answer = ExportMetricsServiceResponse()
    answer.ParseFromString(response.content)
    assert answer.partial_success.rejected_data_points == 2
    assert "process.cpu.time" in answer.partial_success.error_message
    full = json_format.ParseDict(metrics_json(TOKENS), ExportMetricsServiceRequest())
    response = await th.client.post(
        "/v1/metrics", content=full.SerializeToString(), headers=headers
    )
    answer.ParseFromString(response.content)
    assert not answer.HasField("partial_success")


@pytest.mark.anyio
async def test_metrics_are_project_scoped(th: Harness) -> None:
    _, other_auth = await th.new_project("metrics-other")
    response = await th.client.post(
        "/v1/metrics",
        content=orjson.dumps(metrics_json(TOKENS)),
        headers={**other_auth, **JSON_HEADERS},
    )
    assert response.status_code == 200, response.text
    mine = (await th.client.get("/api/v1/metrics", headers=th.auth)).json()
    theirs = (await th.client.get("/api/v1/metrics", headers=other_auth)).json()
    assert mine["data"] == [] and len(theirs["data"]) == 1


@pytest.mark.anyio
async def test_name_and_time_filters(th: Harness) -> None:
    duration = {
        "name": "gen_ai.client.operation.duration",
        "unit": "s",
        "gauge": {"dataPoints": [{"timeUnixNano": T1, "asDouble": 0.5}]},
    }
    body = orjson.dumps(metrics_json(TOKENS, duration))
    response = await th.client.post(
        "/v1/metrics", content=body, headers={**th.auth, **JSON_HEADERS}
    )
    assert "partialSuccess" not in response.json()

    async def names(**params: str) -> list[str]:
        got = await th.client.get("/api/v1/metrics", params=params, headers=th.auth)
        assert got.status_code == 200, got.text
        return [p["name"] for p in got.json()["data"]]

    assert await names() == ["gen_ai.client.token.usage", "gen_ai.client.operation.duration"]
    assert await names(name="gen_ai.client.operation.duration") == [
        "gen_ai.client.operation.duration"
    ]
    assert await names(**{"from": "2026-12-05T19:47:00Z"}) == ["gen_ai.client.token.usage"]
    assert await names(to="2026-12-05T19:47:00Z") == ["gen_ai.client.operation.duration"]


@pytest.mark.anyio
async def test_undecodable_metrics_body_is_400(th: Harness) -> None:
    response = await th.client.post(
        "/v1/metrics",
        content=b"\xff\xff\xff",
        headers={**th.auth, "Content-Type": "application/x-protobuf"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
