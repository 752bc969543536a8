"""`/api/public/experiments` and `/api/public/experiment-items`: dataset runs read the way
Langfuse shows SDK experiments (cursor pages, `fromStartTime` required)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from tracehouse import jsontext
from tracehouse.clock import iso, to_us
from tracehouse.datasets import runs
from tracehouse.errors import InvalidRequest, NotFound, RateLimited, Unauthorized, ValidationFailed
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import decode_cursor, encode_cursor
from tracehouse.langfuse import filters as json_filter
from tracehouse.langfuse.params import Filtered

router = APIRouter(prefix="/api/public", tags=["langfuse"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_LEVELS = {"error": "ERROR", "warning": "WARNING"}


class _ExperimentQuery(Filtered):
    from_start_time: datetime = Field(alias="fromStartTime")
    to_start_time: datetime | None = Field(None, alias="toStartTime")
    limit: int = Field(50, ge=1, le=1000)
    cursor: str | None = None
    dataset_id: str | None = Field(None, alias="datasetId")


class ExperimentQuery(_ExperimentQuery):
    id: str | None = None
    name: str | None = None


class ExperimentItemQuery(_ExperimentQuery):
    experiment_id: str | None = Field(None, alias="experimentId")
    experiment_name: str | None = Field(None, alias="experimentName")
    experiment_item_id: str | None = Field(None, alias="experimentItemId")


def _window(query: _ExperimentQuery) -> tuple[int, int | None]:
    start = to_us(query.from_start_time)
    assert start is not None
    return start, to_us(query.to_start_time)


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    value = decode_cursor(cursor, 1)[0]
    if not isinstance(value, int) or value < 0:
        raise InvalidRequest("Invalid cursor.", {"field": "cursor"})
    return value


def _page(rows: list[Any], offset: int, limit: int, render: Any) -> dict[str, Any]:
    meta = {"cursor": encode_cursor([offset + limit])} if len(rows) > limit else {}
    return {"data": [render(row) for row in rows[:limit]], "meta": meta}


def _object(text: str | None) -> dict[str, Any] | None:
    value = jsontext.loads(text)
    return value if isinstance(value, dict) else None


def experiment(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "startTime": iso(row["start_time"]),
        "endTime": iso(row["end_time"]),
        "itemCount": row["item_count"],
        "datasetId": row["dataset_id"],
        "metadata": _object(row["metadata"]),
    }


def experiment_item(row: Any) -> dict[str, Any]:
    return {
        "id": row["observation_id"] or row["run_item_id"],
        "traceId": row["trace_id"],
        "startTime": iso(row["start_time"]),
        "endTime": iso(row["end_time"]),
        "level": _LEVELS.get(row["status"] or "", "DEFAULT"),
        "environment": row["environment"] or "default",
        "experimentId": row["run_id"],
        "experimentName": row["run_name"],
        "experimentItemId": row["dataset_item_id"],
        "experimentDatasetId": row["dataset_id"],
        "experimentItemVersion": iso(row["item_version"]),
        # The trace's input, or (when the trace has none yet) the item's.
        "input": jsontext.loads(row["input"] or row["item_input"]),
        "output": jsontext.loads(row["output"]),
        "expectedOutput": jsontext.loads(row["expected_output"]),
        "metadata": _object(row["metadata"]),
        "experimentItemMetadata": _object(row["item_metadata"]),
        "experimentMetadata": _object(row["run_metadata"]),
        "experimentDescription": row["run_description"],
    }


@router.get("/experiments", responses=_READ, summary="List experiments (dataset runs)")
def list_experiments(
    query: Annotated[ExperimentQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Newest first; `startTime`/`endTime` span the linked traces."""
    offset = _offset(query.cursor)
    filters = {"id": query.id, "name": query.name, "dataset_id": query.dataset_id}
    conditions = json_filter.parse(query.filter, json_filter.EXPERIMENT_COLUMNS)
    rows = runs.experiments(rt, scope, _window(query), filters, query.limit + 1, offset, conditions)
    return _page(rows, offset, query.limit, experiment)


@router.get("/experiment-items", responses=_READ, summary="List experiment items")
def list_experiment_items(
    query: Annotated[ExperimentItemQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """One row per item of a run: its trace's input and output, the item's expected output."""
    offset = _offset(query.cursor)
    filters = {
        "experiment_id": query.experiment_id,
        "experiment_name": query.experiment_name,
        "experiment_item_id": query.experiment_item_id,
        "dataset_id": query.dataset_id,
    }
    conditions = json_filter.parse(query.filter, json_filter.EXPERIMENT_ITEM_COLUMNS)
    rows = runs.experiment_items(
        rt, scope, _window(query), filters, query.limit + 1, offset, conditions
    )
    return _page(rows, offset, query.limit, experiment_item)
