"""Datasets: the list and create form, one dataset's items (as of any time, archived or not) and
runs, one item with its versions, and the forms that add, edit, archive, import and copy items
from traces. Everything goes through the datasets service, with the API's rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.datasets import render, runs, service, upload
from tracehouse.datasets.schemas import DatasetIn, FromTraceIn, ItemIn, ItemPatch, ItemQuery
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import RuntimeDep
from tracehouse.ui.session import FormDep, Viewer, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)
PAGE = 50
FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def dataset_href(project_id: str, name: str) -> str:
    return f"/ui/p/{project_id}/datasets/{quote(name)}"


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "")
    return min(int(raw), 1_000_000) if raw.isdigit() else 0


def _validated(model: Any, values: dict[str, Any]) -> Any:
    """A request model from form fields; its errors as the API's 400 message."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        raise InvalidRequest(f"Invalid {names}.") from exc


def _value(fields: dict[str, str], name: str) -> Any:
    """A textarea's JSON, or its text when it is not JSON (blank: no value)."""
    return upload.cell(fields.get(name, "").strip())


@router.get("/datasets", response_class=HTMLResponse)
def dataset_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    offset = _offset(request)
    rows, total = service.list_datasets(rt, scope, PAGE, offset)
    return page(
        request,
        "datasets.html",
        nav="datasets",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access == "write",
        datasets=[render.dataset(row, count) for row, count in rows],
        total=total,
        next_offset=offset + PAGE if offset + PAGE < total else None,
        base_url=str(request.base_url).rstrip("/"),
    )


@router.post("/datasets")
def create_dataset(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    body = _validated(
        DatasetIn,
        {"name": fields.get("name", "").strip(), "description": fields.get("description") or None},
    )
    service.create_dataset(rt, who.scope(project_id), body, upsert=False)
    return RedirectResponse(dataset_href(project_id, body.name), status_code=303)


@router.post("/traces/{trace_id:path}/add-to-dataset")
def add_from_trace(
    project_id: str, trace_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """The trace page's one-click copy: the trace's (or an observation's) input and output."""
    name = fields.get("dataset", "")
    body = _validated(
        FromTraceIn,
        {"trace_id": trace_id, "observation_id": fields.get("observation_id") or None},
    )
    item = service.item_from_trace(rt, who.scope(project_id), name, body)
    target = f"{dataset_href(project_id, name)}/items/{quote(item.row['id'], safe='')}"
    return RedirectResponse(target + "?added=1", status_code=303)


def _as_of(raw: str) -> datetime | None:
    """The version picker's time (a `datetime-local` value is UTC here, as on the dashboard)."""
    if not raw.strip():
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRequest(f"Unreadable time {raw!r}: use YYYY-MM-DDTHH:MM (UTC).") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _item_query(request: Request) -> ItemQuery:
    query = request.query_params
    return ItemQuery(
        as_of=_as_of(query.get("as_of", "")),
        include_archived=query.get("archived") == "1",
        limit=PAGE,
        offset=_offset(request),
    )


@router.get("/datasets/{name:path}/items/{item_id:path}", response_class=HTMLResponse)
def item_page(
    request: Request, project_id: str, name: str, item_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    history = [render.item(i) for i in service.item_history(rt, scope, name, item_id)]
    return page(
        request,
        "dataset_item.html",
        nav="datasets",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access == "write",
        dataset_name=name,
        item=history[-1],
        history=list(reversed(history)),
        added=request.query_params.get("added") == "1",
    )


@router.post("/datasets/{name:path}/items/import")
def import_items(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Pasted (or file-read) JSON Lines or CSV, parsed by the API's upload rules."""
    kind = FORMATS.get(fields.get("format", ""), FORMATS["jsonl"])
    items = upload.parse(fields.get("content", "").encode(), kind)
    if not items:
        raise InvalidRequest("Nothing to import: paste JSON Lines or CSV, or choose a file.")
    service.upsert_items(rt, who.scope(project_id), name, items)
    return RedirectResponse(dataset_href(project_id, name), status_code=303)


@router.post("/datasets/{name:path}/items/status")
def item_status(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Archive an item (kept, left out of reads and experiments) or make it active again."""
    item_id = fields.get("id", "")
    patch = _validated(ItemPatch, {"status": fields.get("status")})
    service.patch_item(rt, who.scope(project_id), name, item_id, patch)
    target = f"{dataset_href(project_id, name)}/items/{quote(item_id, safe='')}"
    return RedirectResponse(target, status_code=303)


@router.post("/datasets/{name:path}/items")
def save_item(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Add an item, or (with an existing `id`) save a new version of it."""
    item = _validated(
        ItemIn,
        {
            "id": fields.get("id", "").strip() or None,
            "input": _value(fields, "input"),
            "expected_output": _value(fields, "expected_output"),
            "metadata": _value(fields, "metadata"),
        },
    )
    if item.input is None:
        raise InvalidRequest("An item needs an input.")
    scope = who.scope(project_id)
    if item.id is not None and fields.get("edit") == "1":
        patch = ItemPatch(
            input=item.input, expected_output=item.expected_output, metadata=item.metadata
        )
        written = service.patch_item(rt, scope, name, item.id, patch)
    else:
        written = service.upsert_items(rt, scope, name, [item])[0]
    target = f"{dataset_href(project_id, name)}/items/{quote(written.row['id'], safe='')}"
    return RedirectResponse(target, status_code=303)


@router.post("/datasets/{name:path}/delete")
def delete_dataset(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """With its items and runs; the runs' traces stay."""
    service.delete_dataset(rt, who.scope(project_id), name)
    return RedirectResponse(f"/ui/p/{project_id}/datasets", status_code=303)


@router.get("/datasets/{name:path}", response_class=HTMLResponse)
def dataset_page(
    request: Request, project_id: str, name: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    row, count = service.get_dataset(rt, scope, name)
    query = _item_query(request)
    items = service.list_items(rt, scope, name, query)
    _, run_rows, run_total = runs.list_runs(rt, scope, name, PAGE, 0)
    _, results, _ = runs.results(rt, scope, name, [r["name"] for r, _ in run_rows])
    return page(
        request,
        "dataset.html",
        nav="datasets",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access == "write",
        dataset=render.dataset(row, count),
        items=[render.item(i) for i in items.items],
        item_total=items.total,
        query=query,
        as_of=request.query_params.get("as_of", ""),
        next_href=_next_href(request, query.offset + PAGE, items.total),
        runs=[
            {**render.run(r, n), "summary": found.aggregate()}
            for (r, n), found in zip(run_rows, results, strict=True)
        ],
        run_total=run_total,
        base_url=str(request.base_url).rstrip("/"),
    )


def _next_href(request: Request, offset: int, total: int) -> str | None:
    """The same view of the items, from `offset` on (None past the end)."""
    if offset >= total:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    return "?" + urlencode([*kept, ("offset", str(offset))])


def dataset_choices(rt: RuntimeDep, who: Viewer, project_id: str) -> list[str]:
    """Names of the project's newest datasets, for the trace page's "add to dataset" form."""
    rows, _ = service.list_datasets(rt, who.scope(project_id), 200, 0)
    return [row["name"] for row, _ in rows]
