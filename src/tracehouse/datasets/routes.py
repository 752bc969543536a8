"""`/api/v1/datasets`: datasets, items (by hand, from traces, uploaded), versions by time, runs
and their side-by-side comparison.

Names may contain `/`; the fixed suffixes are declared before the bare `/{name}` routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from tracehouse.datasets import render, runs, service, upload
from tracehouse.datasets.schemas import (
    DatasetIn,
    FromTraceIn,
    ItemIn,
    ItemPatch,
    ItemQuery,
    OffsetQuery,
    RunIn,
    RunItemIn,
)
from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/x-ndjson": {"schema": {}}, "text/csv": {"schema": {}}},
    }
}


def _list(data: list[dict[str, Any]], total: int, offset: int) -> dict[str, Any]:
    """The list envelope for offset pages (`next_cursor` stays null: pass `offset`)."""
    more = offset + len(data) < total
    return {"data": data, "meta": {"total_count": total, "has_more": more, "next_cursor": None}}


@router.post("", status_code=201, responses=_WRITE, summary="Create a dataset")
def create_dataset(body: DatasetIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return render.dataset(service.create_dataset(rt, scope, body, upsert=False), 0)


@router.get("", responses=_READ, summary="List datasets")
def list_datasets(
    page: Annotated[OffsetQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Newest first, with `limit` and `offset`."""
    rows, total = service.list_datasets(rt, scope, page.limit, page.offset)
    return _list([render.dataset(r, n) for r, n in rows], total, page.offset)


@router.get("/{name:path}/runs/compare", responses=_READ, summary="Compare runs side by side")
def compare_runs(
    name: str,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    run: Annotated[list[str], Query(min_length=1, description="Run names (repeat).")],
) -> dict[str, Any]:
    """Per item: each run's output, latency, cost and scores; per run: the aggregates."""
    _, found, items = runs.results(rt, scope, name, run)
    return render.comparison(found, items)


@router.post(
    "/{name:path}/runs/{run_name}/items",
    status_code=201,
    responses=_WRITE,
    summary="Link an item to its trace in a run",
)
def add_run_item(
    name: str, run_name: str, body: RunItemIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.run_item(runs.add_run_item(rt, scope, name, run_name, body))


@router.get("/{name:path}/runs/{run_name}", responses=_READ, summary="A run with its results")
def get_run(name: str, run_name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    _, found, _ = runs.results(rt, scope, name, [run_name])
    return render.results(found[0])


@router.delete(
    "/{name:path}/runs/{run_name}", status_code=204, responses=_WRITE, summary="Delete a run"
)
def delete_run(name: str, run_name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    runs.delete_run(rt, scope, name, run_name)
    return Response(status_code=204)


@router.post("/{name:path}/runs", status_code=201, responses=_WRITE, summary="Create a run")
def create_run(name: str, body: RunIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Idempotent by name; `metadata` records what the run used (model, prompt version)."""
    return render.run(runs.create_run(rt, scope, name, body))


@router.get("/{name:path}/runs", responses=_READ, summary="List runs")
def list_runs(
    name: str, page: Annotated[OffsetQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    _, rows, total = runs.list_runs(rt, scope, name, page.limit, page.offset)
    return _list([render.run(r, n) for r, n in rows], total, page.offset)


@router.post(
    "/{name:path}/items/upload",
    status_code=201,
    responses=_WRITE,
    openapi_extra=_UPLOAD_BODY,
    summary="Upload items (JSON Lines or CSV)",
)
async def upload_items(
    name: str, request: Request, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Fields `input` (required), `expected_output`, `metadata`, `id`; bad lines are a 422
    naming each line, and nothing is written."""
    items = upload.parse(await request.body(), request.headers.get("content-type", ""))
    written = service.upsert_items(rt, scope, name, items)
    return {"created": len(written), "ids": [i.row["id"] for i in written]}


@router.post(
    "/{name:path}/items/from-trace",
    status_code=201,
    responses=_WRITE,
    summary="Add an item from a trace or observation",
)
def item_from_trace(
    name: str, body: FromTraceIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.item(service.item_from_trace(rt, scope, name, body))


@router.get("/{name:path}/items/{item_id}/history", responses=_READ, summary="An item's versions")
def item_history(name: str, item_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return {"data": [render.item(i) for i in service.item_history(rt, scope, name, item_id)]}


@router.patch("/{name:path}/items/{item_id}", responses=_WRITE, summary="Change or archive an item")
def patch_item(
    name: str, item_id: str, body: ItemPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.item(service.patch_item(rt, scope, name, item_id, body))


@router.delete(
    "/{name:path}/items/{item_id}",
    status_code=204,
    responses=_WRITE,
    summary="Delete an item (kept in earlier versions)",
)
def delete_item(name: str, item_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete_item(rt, scope, item_id, name)
    return Response(status_code=204)


@router.post("/{name:path}/items", status_code=201, responses=_WRITE, summary="Add items")
def add_items(
    name: str, body: ItemIn | list[ItemIn], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """One item or an array; an existing `id` replaces that item with a new version."""
    items = body if isinstance(body, list) else [body]
    written = [render.item(i) for i in service.upsert_items(rt, scope, name, items)]
    return written[0] if not isinstance(body, list) else {"data": written}


@router.get("/{name:path}/items", responses=_READ, summary="List items (optionally as of a time)")
def list_items(
    name: str, query: Annotated[ItemQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Active items now, or as they were at `as_of`; `include_archived` adds archived ones."""
    page = service.list_items(rt, scope, name, query)
    return _list([render.item(i) for i in page.items], page.total, query.offset)


@router.get("/{name:path}", responses=_READ, summary="Get a dataset")
def get_dataset(name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    row, count = service.get_dataset(rt, scope, name)
    return render.dataset(row, count)


@router.delete("/{name:path}", status_code=204, responses=_WRITE, summary="Delete a dataset")
def delete_dataset(name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """With its items and runs (the runs' traces stay)."""
    service.delete_dataset(rt, scope, name)
    return Response(status_code=204)
