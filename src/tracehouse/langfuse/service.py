"""Langfuse writes (batch ingestion, scores) and the project lookup its SDK's auth check uses."""

from __future__ import annotations

from typing import Any

from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope
from tracehouse.ingest.service import ingest
from tracehouse.langfuse.events import (
    Decoded,
    EventError,
    decode_events,
    score_record,
    validate,
)
from tracehouse.langfuse.schemas import ScoreBody
from tracehouse.projects import store as project_store
from tracehouse.records import Batch
from tracehouse.runtime import Runtime
from tracehouse.scores.service import fill_trace_ids
from tracehouse.traces import store as trace_store


def _invalid(details: Any) -> InvalidRequest:
    return InvalidRequest("Invalid request data", details)


async def ingest_events(rt: Runtime, scope: ProjectScope, payload: Any) -> dict[str, Any]:
    """`POST /ingestion`: every valid event is committed (in one transaction) before the 207."""
    scope.require_write()
    if not isinstance(payload, dict) or not isinstance(payload.get("batch"), list):
        raise _invalid([{"field": "batch", "message": "batch must be an array of events"}])
    decoded = decode_events(payload["batch"])
    _adopt_orphans(rt, scope, decoded)
    fill_trace_ids(rt, scope, decoded.batch.scores)
    await ingest(rt, scope, decoded.batch)
    return {"successes": decoded.successes, "errors": decoded.errors}


def _adopt_orphans(rt: Runtime, scope: ProjectScope, decoded: Decoded) -> None:
    """Updates that named no trace take it from this batch's events or the stored observation."""
    if not decoded.orphans:
        return
    known = {o.id: o.trace_id for o in decoded.batch.observations}
    wanted = {record.id for _, record in decoded.orphans if record.id not in known}
    if wanted:
        with rt.db.reader.connect() as conn:
            known.update(trace_store.traces_of_observations(conn, scope.project_rowid, wanted))
    for event_id, record in decoded.orphans:
        trace_id = known.get(record.id)
        if trace_id:
            record.trace_id = trace_id
            decoded.batch.observations.append(record)
            decoded.successes.append({"id": event_id, "status": 201})
        else:
            message = f"Observation {record.id} not found: send its traceId to create it."
            decoded.fail(event_id, EventError(message, 404, "LangfuseNotFoundError"))


async def create_scores(
    rt: Runtime, scope: ProjectScope, payload: Any
) -> tuple[int, dict[str, Any]]:
    """`POST /scores`: one object → 200 `{id}`; an array → 202, or 207 when some were rejected."""
    scope.require_write()
    if isinstance(payload, dict):
        try:
            record = score_record(validate(ScoreBody, payload))
        except EventError as exc:
            raise _invalid(exc.error) from exc
        await _write_scores(rt, scope, [record])
        return 200, {"id": record.id}
    if not isinstance(payload, list):
        raise _invalid([{"field": "", "message": "send a score object or an array of them"}])
    records, errors = [], []
    for index, item in enumerate(payload):
        try:
            records.append(score_record(validate(ScoreBody, item)))
        except EventError as exc:
            errors.append({"message": f"scores[{index}]: {exc.describe()}"})
    await _write_scores(rt, scope, records)
    if not errors:
        return 202, {"message": "Accepted"}
    return 207, {"accepted": len(records), "rejected": len(errors), "errors": errors}


async def _write_scores(rt: Runtime, scope: ProjectScope, records: list[Any]) -> None:
    fill_trace_ids(rt, scope, records)
    await ingest(rt, scope, Batch(scores=records))


def projects(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    """`GET /projects`: the caller's project with its organization (what `auth_check` reads)."""
    with rt.db.reader.connect() as conn:
        project = project_store.find_project(conn, project_rowid=scope.project_rowid)
        org = project_store.org_by_rowid(conn, scope.org_rowid)
    return {
        "data": [
            {
                "id": project["id"],
                "name": project["name"],
                "organization": {"id": org["id"], "name": org["name"]},
                "metadata": {},
                "retentionDays": project["retention_days"],
            }
        ]
    }
