"""Saved views of the trace list: save the current filters, columns and sort under a name,
open one, delete one (the same service as `/api/v1/saved-views`)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import RuntimeDep
from tracehouse.saved_views import service
from tracehouse.saved_views.schemas import SavedViewIn
from tracehouse.ui import trace_list
from tracehouse.ui.session import FormDep, ViewerDep

router = APIRouter(prefix="/ui/p/{project_id}/views", include_in_schema=False)


def _traces(project_id: str, query: str) -> Response:
    target = f"/ui/p/{quote(project_id, safe='')}/traces"
    return RedirectResponse(f"{target}?{query}" if query else target, status_code=303)


def _body(fields: dict[str, str]) -> SavedViewIn:
    """The view the form names: the trace list's filters and columns of its `query`."""
    query = QueryParams(fields.get("query", ""))
    raw = trace_list.raw_filters(query)
    try:
        return SavedViewIn(
            name=fields.get("name", "").strip(),
            filters=raw,
            columns=trace_list.columns(query),
        )
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise InvalidRequest(f"The view was not saved: check {names}.") from exc


@router.post("")
def save_view(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Save under a name (replacing the view of that name), then show it."""
    view = service.save(rt, who.scope(project_id), _body(fields))
    return _traces(project_id, view["query"])


@router.get("/{ref}")
def open_view(project_id: str, ref: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    """The trace list with the view's filters, columns and sort: a link to share."""
    scope = who.scope(project_id, access="read")
    return _traces(project_id, service.render(service.require(rt, scope, ref))["query"])


@router.post("/{ref}/delete")
def delete_view(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    service.delete(rt, who.scope(project_id), ref)
    return _traces(project_id, "")
