"""Langfuse's dataset API: `/v2/datasets`, `/datasets` (v1), `/dataset-items`, dataset runs and
`/dataset-run-items`, over the same dataset services. Shapes follow the SDK's strict parser
(`metadata` and `mediaReferences` always present, page meta with `totalPages`); an item's
`mediaReferences` point the SDK at the media its fields refer to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field, ValidationError

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.datasets import runs, service
from tracehouse.datasets.schemas import DatasetIn, ItemIn, ItemQuery, RunIn, RunItemIn, Status
from tracehouse.datasets.service import Item
from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScope, ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.langfuse import media_refs
from tracehouse.langfuse.media import base_url
from tracehouse.langfuse.params import PageQuery
from tracehouse.langfuse.render import page_meta
from tracehouse.runtime import Runtime

router = APIRouter(prefix="/api/public", tags=["langfuse"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)


class LangfuseItemIn(ItemIn):
    dataset_name: str = Field(min_length=1, max_length=500)
    status: Status | None = None  # type: ignore[assignment]


class LangfuseRunItemIn(RunItemIn):
    run_name: str = Field(min_length=1, max_length=500)
    run_description: str | None = None
    metadata: Any = None


class ItemListQuery(PageQuery):
    dataset_name: str | None = Field(None, alias="datasetName")
    source_trace_id: str | None = Field(None, alias="sourceTraceId")
    version: str | None = Field(None, description="Read the items as of this time.")


class RunItemListQuery(PageQuery):
    dataset_id: str = Field(alias="datasetId")
    run_name: str = Field(alias="runName")


def dataset(row: Any, project_id: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "metadata": jsontext.loads(row["metadata"]),
        "inputSchema": jsontext.loads(row["input_schema"]),
        "expectedOutputSchema": jsontext.loads(row["expected_output_schema"]),
        "projectId": project_id,
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def item(found: Item) -> dict[str, Any]:
    row = found.row
    return {
        "id": row["id"],
        "status": row["status"],
        "input": jsontext.loads(row["input"]),
        "expectedOutput": jsontext.loads(row["expected_output"]),
        "metadata": jsontext.loads(row["metadata"]),
        "sourceTraceId": row["source_trace_id"],
        "sourceObservationId": row["source_observation_id"],
        "datasetId": found.dataset["id"],
        "datasetName": found.dataset["name"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["valid_from"]),
        "version": iso(row["valid_from"]),
        "mediaReferences": [],
    }


def items(
    found: list[Item], request: Request, scope: ProjectScope, rt: Runtime
) -> list[dict[str, Any]]:
    """Rendered items with their `mediaReferences` filled in."""
    rendered = [item(i) for i in found]
    media_refs.attach(rt, scope, base_url(request, rt), rendered)
    return rendered


def run(row: Any, ds: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "metadata": jsontext.loads(row["metadata"]),
        "datasetId": ds["id"],
        "datasetName": ds["name"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def run_item(row: Any, run_id: str, run_name: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "datasetRunId": run_id,
        "datasetRunName": run_name,
        "datasetItemId": row["dataset_item_id"],
        "traceId": row["trace_id"],
        "observationId": row["observation_id"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


@router.post("/v2/datasets", responses=_WRITE, summary="Create or update a dataset (Langfuse)")
@router.post("/datasets", responses=_WRITE, summary="Create or update a dataset (Langfuse v1)")
def create_dataset(body: DatasetIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return dataset(service.create_dataset(rt, scope, body, upsert=True), scope.project_id)


@router.get("/v2/datasets", responses=_READ, summary="List datasets (Langfuse)")
@router.get("/datasets", responses=_READ, summary="List datasets (Langfuse v1)")
def list_datasets(
    query: Annotated[PageQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    rows, total = service.list_datasets(rt, scope, query.limit, query.offset)
    return {
        "data": [dataset(row, scope.project_id) for row, _ in rows],
        "meta": page_meta(query.page, query.limit, total),
    }


@router.get("/datasets/{name:path}/runs/{run_name}", responses=_READ, summary="A dataset run")
def get_run(name: str, run_name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    ds, found, rows = runs.get_run(rt, scope, name, run_name)
    items = [run_item(r, found["id"], found["name"]) for r in rows]
    return {**run(found, ds), "datasetRunItems": items}


@router.delete("/datasets/{name:path}/runs/{run_name}", responses=_WRITE, summary="Delete a run")
def delete_run(name: str, run_name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    runs.delete_run(rt, scope, name, run_name)
    return {"message": "Dataset run successfully deleted"}


@router.get("/datasets/{name:path}/runs", responses=_READ, summary="List dataset runs")
def list_runs(
    name: str, query: Annotated[PageQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    ds, rows, total = runs.list_runs(rt, scope, name, query.limit, query.offset)
    return {
        "data": [run(row, ds) for row, _ in rows],
        "meta": page_meta(query.page, query.limit, total),
    }


@router.get("/v2/datasets/{name:path}", responses=_READ, summary="Get a dataset (Langfuse)")
def get_dataset(name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    row, _ = service.get_dataset(rt, scope, name)
    return dataset(row, scope.project_id)


@router.get("/datasets/{name:path}", responses=_READ, summary="Get a dataset (Langfuse v1)")
def get_dataset_v1(
    name: str, request: Request, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """With its active items and run names, as v1 returned them."""
    row, _ = service.get_dataset(rt, scope, name)
    page = service.list_items(rt, scope, name, ItemQuery(limit=1000))
    _, run_rows, _ = runs.list_runs(rt, scope, name, 1000, 0)
    return {
        **dataset(row, scope.project_id),
        "items": items(page.items, request, scope, rt),
        "runs": [r["name"] for r, _ in run_rows],
    }


@router.post("/dataset-items", responses=_WRITE, summary="Create or replace a dataset item")
def create_item(
    body: LangfuseItemIn, request: Request, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Upserted by `id` (the SDK always sends one); an id cannot move between datasets."""
    fields = body.model_dump(exclude={"dataset_name"})
    fields["status"] = body.status or "ACTIVE"
    written = service.upsert_items(rt, scope, body.dataset_name, [ItemIn(**fields)])
    return items(written[:1], request, scope, rt)[0]


@router.get("/dataset-items", responses=_READ, summary="List dataset items")
def list_items(
    query: Annotated[ItemListQuery, Query()],
    request: Request,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Newest first, as Langfuse lists them; `version` reads the items as they were then."""
    try:
        params = ItemQuery.model_validate(
            {"as_of": query.version, "limit": query.limit, "offset": query.offset}
        )
    except ValidationError as exc:
        raise InvalidRequest(f"Invalid version timestamp {query.version!r}.") from exc
    page = service.list_items(
        rt, scope, query.dataset_name, params, query.source_trace_id, newest_first=True
    )
    return {
        "data": items(page.items, request, scope, rt),
        "meta": page_meta(query.page, query.limit, page.total),
    }


@router.get("/dataset-items/{item_id}", responses=_READ, summary="Get a dataset item")
def get_item(
    item_id: str, request: Request, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return items([service.get_item(rt, scope, item_id)], request, scope, rt)[0]


@router.delete("/dataset-items/{item_id}", responses=_WRITE, summary="Delete a dataset item")
def delete_item(item_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    service.delete_item(rt, scope, item_id)
    return {"message": "Dataset item successfully deleted"}


@router.post("/dataset-run-items", responses=_WRITE, summary="Link an item to a run's trace")
def create_run_item(
    body: LangfuseRunItemIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """The run is created on first use (older SDKs and other clients)."""
    run_in = RunIn(name=body.run_name, description=body.run_description, metadata=body.metadata)
    _, found, row = runs.link_by_item(rt, scope, body.run_name, body, run_in)
    return run_item(row, found["id"], found["name"])


@router.get("/dataset-run-items", responses=_READ, summary="List a run's items")
def list_run_items(
    query: Annotated[RunItemListQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    rows, total = runs.run_items_page(
        rt, scope, query.dataset_id, query.run_name, query.limit, query.offset
    )
    return {
        "data": [run_item(r, r["run_id"], r["run_name"]) for r in rows],
        "meta": page_meta(query.page, query.limit, total),
    }
