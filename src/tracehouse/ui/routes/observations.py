"""Observations: every span, generation and event across traces in one table, filtered by type,
name, model and level; a row opens its trace with that node selected."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.observations import service
from tracehouse.records import LEVELS, OBSERVATION_TYPES
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/observations", include_in_schema=False)

FILTERS = ("type", "name", "model", "level")


def _filters(request: Request) -> tuple[dict[str, str], service.ObservationFilters, str | None]:
    """The filter form's values (blank ones ignored), parsed by the API's own filter model."""
    raw = {k: request.query_params[k].strip() for k in FILTERS if request.query_params.get(k)}
    raw = {k: v for k, v in raw.items() if v}
    try:
        return raw, service.ObservationFilters.model_validate(raw), None
    except ValidationError:
        return raw, service.ObservationFilters(), "Ignored invalid filters."


@router.get("", response_class=HTMLResponse)
def observation_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id, "read")
    raw, filters, error = _filters(request)
    cursor = request.query_params.get("cursor") or None
    body = service.list_observations(rt, scope, filters, PageParams(limit=50, cursor=cursor))
    return page(
        request,
        "observations.html",
        nav="observations",
        who=who,
        project=who.project(project_id),
        observations=body["data"],
        meta=body["meta"],
        raw=raw,
        error=error,
        types=OBSERVATION_TYPES,
        levels=LEVELS,
    )
