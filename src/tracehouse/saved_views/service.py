"""Saved views: stored with their filters normalised by the trace list's own parser, shown
with the trace list query they stand for."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from tracehouse.clock import iso, now_us
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.http.pagination import PageParams
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime
from tracehouse.saved_views import store
from tracehouse.saved_views.schemas import DEFAULT_COLUMNS, SavedViewIn, SavedViewPatch


def trace_query(filters: dict[str, Any], columns: list[str]) -> str:
    """The trace list's query string for these filters and columns (only what is set; the
    default columns are left out)."""
    pairs = list(filters.items())
    if tuple(columns) != DEFAULT_COLUMNS:
        pairs.append(("cols", ",".join(columns)))
    return urlencode(pairs, doseq=True)


def render(row: Any) -> dict[str, Any]:
    filters, columns = orjson.loads(row["filters"]), orjson.loads(row["columns"])
    return {
        "id": row["id"],
        "name": row["name"],
        "filters": filters,
        "columns": columns,
        "query": trace_query(filters, columns),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


RESOURCE = Resource("saved view", store.VIEWS, render)


def require(rt: Runtime, scope: ProjectScope, ref: str) -> Any:
    return RESOURCE.require(rt, scope.project_rowid, ref)


def create(rt: Runtime, scope: ProjectScope, body: SavedViewIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    values = {
        "id": new_id(),
        "project_rowid": scope.project_rowid,
        "name": body.name,
        "filters": orjson.dumps(body.filters).decode(),
        "columns": orjson.dumps(body.columns).decode(),
        "created_at": now,
        "updated_at": now,
    }
    return RESOURCE.create(rt, values)


def update(rt: Runtime, scope: ProjectScope, ref: str, body: SavedViewPatch) -> dict[str, Any]:
    scope.require_write()
    row = require(rt, scope, ref)
    values: dict[str, Any] = body.model_dump(exclude_unset=True, exclude_none=True)
    for key in ("filters", "columns"):
        if key in values:
            values[key] = orjson.dumps(values[key]).decode()
    values["updated_at"] = now_us()
    return RESOURCE.update(rt, row, values)


def save(rt: Runtime, scope: ProjectScope, body: SavedViewIn) -> dict[str, Any]:
    """Create the view, or replace the filters and columns of the one of that name."""
    with rt.db.reader.connect() as conn:
        found = store.VIEWS.find(conn, scope.project_rowid, body.name)
    if found is None:
        return create(rt, scope, body)
    patch = SavedViewPatch(filters=body.filters, columns=body.columns)
    return update(rt, scope, found["id"], patch)


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, require(rt, scope, ref))


def list_views(rt: Runtime, scope: ProjectScope, page: PageParams | None) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid, page)
