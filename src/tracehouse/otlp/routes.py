"""OTLP/HTTP receivers: `/v1/traces`, `/v1/logs`, `/v1/metrics` and the same under
`/api/public/otel` (Langfuse).

Bodies are protobuf or OTLP/JSON, optionally gzip/deflate compressed; the answer is an
`Export*ServiceResponse` in the request's content type, with `partial_success` when some
items were rejected. Errors (400 undecodable, 401, 413, 415, 429, 503 with `Retry-After`) use
the standard JSON error envelope: OTLP exporters act on the status code, not the body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from tracehouse.conventions import map_logs
from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    PayloadTooLarge,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.ingest.service import ingest
from tracehouse.metrics.service import keep_points, not_kept_message
from tracehouse.otlp import decode, offload
from tracehouse.otlp.decode import Decoded
from tracehouse.otlp.metrics import decode_metrics
from tracehouse.usage.service import check_quota

router = APIRouter(tags=["otlp"])
_ERRORS = error_responses(
    InvalidRequest,
    Unauthorized,
    QuotaExceeded,
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Unavailable,
)
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


async def _payload(request: Request, limit: int) -> tuple[str, bytes]:
    media = decode.media_type(request.headers.get("content-type"))
    raw = decode.decompress(await request.body(), request.headers.get("content-encoding"), limit)
    return media, raw


#: kind → (the protobuf response, its partial-success count field)
_RESPONSES: dict[str, tuple[Callable[[], Message], str]] = {
    "Spans": (ExportTraceServiceResponse, "rejected_spans"),
    "LogRecords": (ExportLogsServiceResponse, "rejected_log_records"),
    "DataPoints": (ExportMetricsServiceResponse, "rejected_data_points"),
}


def _answer(media: str, rejected: int, message: str, kind: str) -> Response:
    """An Export*ServiceResponse: empty on full success, `partial_success` otherwise."""
    if media == decode.JSON:
        body: dict[str, Any] = {}
        if rejected or message:
            body["partialSuccess"] = {f"rejected{kind}": str(rejected), "errorMessage": message}
        return Response(orjson.dumps(body), media_type=decode.JSON)
    make, count_field = _RESPONSES[kind]
    response: Any = make()
    if rejected or message:
        setattr(response.partial_success, count_field, rejected)
        response.partial_success.error_message = message
    return Response(response.SerializeToString(), media_type=decode.PROTOBUF)


_LOG_DECODERS: dict[str, Callable[[bytes], Decoded[Any]]] = {
    decode.PROTOBUF: decode.logs_from_protobuf,
    decode.JSON: decode.logs_from_json,
}


async def export_traces(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Receive an OTLP `ExportTraceServiceRequest`; answers once the spans are committed."""
    scope.require_write()
    media = decode.media_type(request.headers.get("content-type"))
    await check_quota(rt, scope)  # before the decoding work, not only before the write
    changes, rejected, message = await offload.prepare(
        media,
        request.headers.get("content-encoding"),
        await request.body(),
        rt.settings.max_body_bytes,
        workers=rt.settings.otlp_workers,
        masker=await rt.masking.get(rt.db, scope.project_rowid),
    )
    await ingest(rt, scope, changes)
    return _answer(media, rejected, message, "Spans")


async def export_logs(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Receive an OTLP `ExportLogsServiceRequest`: GenAI message events join their spans."""
    scope.require_write()
    media, raw = await _payload(request, rt.settings.max_body_bytes)
    decoded = _LOG_DECODERS[media](raw)
    batch, ignored = map_logs(decoded.items)
    await ingest(rt, scope, batch)
    message = decoded.message
    if ignored:
        note = f"{ignored} log record(s) carried no GenAI content joinable to a span"
        message = f"{message}; {note}" if message else note
    return _answer(media, decoded.rejected, message, "LogRecords")


async def export_metrics(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Receive an OTLP `ExportMetricsServiceRequest`: the GenAI metrics (`gen_ai.*`) are kept
    (answered once committed); every other data point is reported in `partial_success`."""
    scope.require_write()
    media, raw = await _payload(request, rt.settings.max_body_bytes)
    decoded, skipped = decode_metrics(media, raw)
    masker = await rt.masking.get(rt.db, scope.project_rowid)
    await asyncio.to_thread(keep_points, rt, scope, decoded.items, masker)
    notes = [decoded.message] if decoded.message else []
    if skipped:
        notes.append(not_kept_message(skipped))
    rejected = decoded.rejected + sum(skipped.values())
    return _answer(media, rejected, "; ".join(notes), "DataPoints")


for prefix in ("", "/api/public/otel"):
    router.add_api_route(
        f"{prefix}/v1/traces",
        export_traces,
        methods=["POST"],
        responses=_ERRORS,
        summary="OTLP/HTTP trace export" + (" (Langfuse path)" if prefix else ""),
        openapi_extra=_BODY,
    )
    router.add_api_route(
        f"{prefix}/v1/logs",
        export_logs,
        methods=["POST"],
        responses=_ERRORS,
        summary="OTLP/HTTP log export (GenAI events)" + (" (Langfuse path)" if prefix else ""),
        openapi_extra=_BODY,
    )
    router.add_api_route(
        f"{prefix}/v1/metrics",
        export_metrics,
        methods=["POST"],
        responses=_ERRORS,
        summary="OTLP/HTTP metric export (GenAI metrics)" + (" (Langfuse path)" if prefix else ""),
        openapi_extra=_BODY,
    )
