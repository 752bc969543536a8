"""Rows to Langfuse API objects (camelCase, upper-case types, seconds for latencies).

The shapes follow the models of the `langfuse` SDK's generated client, whose strict parser
requires some keys even when their value is null.
"""

from __future__ import annotations

from typing import Any

import orjson

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.conventions.usage import GIVEN_USAGE_KEY, given_usage
from tracehouse.records import STRING_SCORE_TYPES
from tracehouse.traces.render import preferred_cost

DEFAULT_ENVIRONMENT = "default"


def _seconds(micros: int | None) -> float | None:
    return None if micros is None else micros / 1_000_000


def _raw(text: str | None) -> Any:
    """Stored JSON text as Langfuse's v2 API gives I/O: a string as itself, else the JSON text."""
    value = jsontext.loads(text)
    return value if isinstance(value, str) or value is None else text


def trace(
    row: Any,
    project_id: str,
    observations: list[Any] | None = None,
    scores: list[Any] | None = None,
) -> dict[str, Any]:
    """A trace (TraceWithDetails when ids are given, TraceWithFullDetails with objects)."""
    latency = row["latency_ms"]
    return {
        "id": row["id"],
        "projectId": project_id,
        "externalId": None,
        "timestamp": iso(row["start_time"]),
        "name": row["name"],
        "input": jsontext.loads(row["input"]),
        "output": jsontext.loads(row["output"]),
        "sessionId": row["session_id"],
        "release": row["release"],
        "version": row["version"],
        "userId": row["user_id"],
        "metadata": jsontext.loads(row["metadata"]),
        "tags": jsontext.loads(row["tags"]) or [],
        "public": bool(row["public"]),
        "bookmarked": bool(row["bookmarked"]),
        "environment": row["environment"] or DEFAULT_ENVIRONMENT,
        "htmlPath": f"/project/{project_id}/traces/{row['id']}",
        "latency": latency / 1000 if latency is not None else 0.0,
        "totalCost": row["cost"] or 0.0,
        "observations": observations if observations is not None else [],
        "scores": scores if scores is not None else [],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def usage_details(row: Any) -> dict[str, int]:
    """Langfuse's usage details: those the client gave under its own keys (with a `total`),
    else from our counts, where `input` excludes cache tokens and `output` reasoning."""
    attributes = jsontext.loads(row["attributes"])
    if isinstance(attributes, dict):
        given = given_usage(attributes.get(GIVEN_USAGE_KEY))
        if given is not None:
            return given
    cache_read = row["cache_read_tokens"] or 0
    cache_write = row["cache_write_tokens"] or 0
    reasoning = row["reasoning_tokens"] or 0
    details: dict[str, int] = {}
    if row["input_tokens"] is not None:
        details["input"] = max(row["input_tokens"] - cache_read - cache_write, 0)
    if row["output_tokens"] is not None:
        details["output"] = max(row["output_tokens"] - reasoning, 0)
    if row["total_tokens"] is not None:  # the write path fills it from input + output
        details["total"] = row["total_tokens"]
    for key, value in (
        ("input_cached_tokens", cache_read),
        ("input_cache_creation", cache_write),
        ("output_reasoning_tokens", reasoning),
    ):
        if value:
            details[key] = value
    return details


def model_parameters(text: str | None) -> dict[str, str] | None:
    """Langfuse's map of strings: a string as itself, any other value as its compact JSON
    (as JavaScript writes it, so `1.0` is `"1"`)."""
    values = jsontext.loads(text)
    if not isinstance(values, dict):
        return None
    return {key: _js_text(value) for key, value in values.items()}


def _js_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return orjson.dumps(value).decode()


def observation(row: Any) -> dict[str, Any]:
    """ObservationsView of the v1 API: I/O and metadata as JSON."""
    start, end, first = row["start_time"], row["end_time"], row["completion_start_time"]
    costs = preferred_cost(row)
    return {
        "id": row["id"],
        "traceId": row["trace_id"],
        "type": (row["type"] or "span").upper(),
        "name": row["name"],
        "startTime": iso(start),
        "endTime": iso(end),
        "completionStartTime": iso(first),
        "model": row["model"],
        "modelParameters": model_parameters(row["model_parameters"]),
        "input": jsontext.loads(row["input"]),
        "output": jsontext.loads(row["output"]),
        "metadata": jsontext.loads(row["metadata"]),
        "version": row["version"],
        "usage": {
            "input": row["input_tokens"] or 0,
            "output": row["output_tokens"] or 0,
            "total": row["total_tokens"] or 0,
            "unit": "TOKENS",
        },
        "usageDetails": usage_details(row),
        "costDetails": {k: v for k, v in costs.items() if v is not None},
        "level": row["level"] or "DEFAULT",
        "statusMessage": row["status_message"],
        "parentObservationId": row["parent_id"],
        "promptId": None,
        "promptName": row["prompt_name"],
        "promptVersion": row["prompt_version"],
        "environment": row["environment"] or DEFAULT_ENVIRONMENT,
        "modelId": None,
        "inputPrice": None,
        "outputPrice": None,
        "totalPrice": None,
        "calculatedInputCost": costs["input"],
        "calculatedOutputCost": costs["output"],
        "calculatedTotalCost": costs["total"],
        "latency": _seconds(end - start) if end is not None and start is not None else None,
        "timeToFirstToken": _seconds(first - start) if first is not None and start else None,
        "providedModelName": row["model"],
        "provider": row["provider"],
        "attributes": jsontext.loads(row["attributes"]),
    }


#: `GET /v2/observations` field groups and the keys each adds (core is always there).
V2_FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "core": ("id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type"),
    "basic": (
        "name",
        "level",
        "statusMessage",
        "version",
        "environment",
        "bookmarked",
        "public",
        "userId",
        "sessionId",
        "isRootObservation",
    ),
    "time": ("completionStartTime", "createdAt", "updatedAt"),
    "io": ("input", "output"),
    "metadata": ("metadata",),
    "model": ("model", "providedModelName", "internalModelId", "modelParameters", "provider"),
    "usage": ("usageDetails", "costDetails", "totalCost"),
    "prompt": ("promptId", "promptName", "promptVersion"),
    "metrics": ("latency", "timeToFirstToken"),
    "trace_context": ("traceName", "tags", "release", "userId", "sessionId"),
}
_METADATA_PREVIEW = 200


def observation_v2(
    row: Any, project_id: str, groups: set[str], expand_metadata: bool
) -> dict[str, Any]:
    """ObservationV2: only the requested field groups; I/O as raw strings."""
    full = observation(row)
    metadata = full["metadata"]
    if isinstance(metadata, dict) and not expand_metadata:
        metadata = {k: _preview(v) for k, v in metadata.items()}
    full.update(
        projectId=project_id,
        input=_raw(row["input"]),
        output=_raw(row["output"]),
        metadata=metadata,
        internalModelId=None,
        totalCost=full["calculatedTotalCost"],
        createdAt=iso(row["created_at"]),
        updatedAt=iso(row["updated_at"]),
        isRootObservation=row["parent_id"] is None,
        userId=row["trace_user_id"],
        sessionId=row["trace_session_id"],
        bookmarked=bool(row["trace_bookmarked"]),
        public=bool(row["trace_public"]),
        traceName=row["trace_name"],
        tags=jsontext.loads(row["trace_tags"]) or [],
        release=row["trace_release"],
    )
    keys = {key for group in ("core", *groups) for key in V2_FIELD_GROUPS.get(group, ())}
    return {key: full[key] for key in full if key in keys}


def _preview(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _METADATA_PREVIEW:
        return value[:_METADATA_PREVIEW]
    return value


def score(row: Any, project_id: str | None = None) -> dict[str, Any]:
    """A score as `/v2/scores` and trace details give it: `value` numeric, `stringValue`."""
    metadata = jsontext.loads(row["metadata"])
    linked = metadata if isinstance(metadata, dict) else {}
    string_type = row["data_type"] in STRING_SCORE_TYPES
    return {
        "id": row["id"],
        "projectId": project_id,
        "traceId": row["trace_id"],
        "sessionId": row["session_id"],
        "observationId": row["observation_id"],
        "datasetRunId": linked.get("dataset_run_id"),
        "name": row["name"],
        "value": 0.0 if string_type else row["value"],
        "stringValue": row["string_value"],
        "dataType": row["data_type"],
        "source": _source(row["source"]),
        "timestamp": iso(row["timestamp"]),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        "authorUserId": row["author"],
        "comment": row["comment"],
        "metadata": metadata,
        "configId": linked.get("config_id"),
        "queueId": linked.get("queue_id"),
        "environment": row["environment"] or DEFAULT_ENVIRONMENT,
    }


def score_v3(row: Any, project_id: str) -> dict[str, Any]:
    """A `/v3/scores` item: `value` typed by `dataType`, and the scored `subject`."""
    body = score(row, project_id)
    if row["data_type"] in STRING_SCORE_TYPES:
        body["value"] = row["string_value"]
    elif row["data_type"] == "BOOLEAN":
        body["value"] = bool(row["value"])
    body["subject"] = _subject(row, body)
    return body


def _subject(row: Any, body: dict[str, Any]) -> dict[str, Any] | None:
    if row["observation_id"]:
        return {"kind": "observation", "id": row["observation_id"], "traceId": row["trace_id"]}
    if row["trace_id"]:
        return {"kind": "trace", "id": row["trace_id"]}
    if row["session_id"]:
        return {"kind": "session", "id": row["session_id"]}
    if body["datasetRunId"]:
        return {"kind": "experiment", "id": body["datasetRunId"]}
    return None


def _source(source: str) -> str:
    """Langfuse knows API, ANNOTATION and EVAL; our `feedback` scores arrive through the API."""
    upper = source.upper()
    return upper if upper in {"API", "ANNOTATION", "EVAL"} else "API"


def session(row: Any, project_id: str) -> dict[str, Any]:
    return {
        "id": row["session_id"],
        "createdAt": iso(row["first_time"]),
        "projectId": project_id,
        "environment": row["environment"] or DEFAULT_ENVIRONMENT,
    }


def page_meta(page: int, limit: int, total: int) -> dict[str, int]:
    return {
        "page": page,
        "limit": limit,
        "totalItems": total,
        "totalPages": (total + limit - 1) // limit,
    }
