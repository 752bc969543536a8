"""Traces: the filtered, sorted, keyset-paged list (with a rows partial for live updates) and one
trace as tree + waterfall, with an observation partial for the detail pane."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.keys import service as keys
from tracehouse.observations import service as observation_service
from tracehouse.scores import service as scores
from tracehouse.scores.schemas import FeedbackIn
from tracehouse.traces import service
from tracehouse.traces.filters import TraceListParams
from tracehouse.ui import content, layout
from tracehouse.ui import store as ui_store
from tracehouse.ui.routes import playground
from tracehouse.ui.routes.checkpoints import trace_sections
from tracehouse.ui.routes.comments import trace_comments
from tracehouse.ui.routes.datasets import dataset_choices
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)
FILTER_FIELDS = (
    "q", "name", "user_id", "session_id", "status", "environment", "release", "version",
    "model", "min_latency", "max_latency", "min_tokens", "max_tokens", "min_cost", "max_cost",
    "from", "to", "sort", "order", "repository", "branch", "commit", "ci_run",
)  # fmt: skip


def _params(request: Request) -> tuple[dict[str, Any], TraceListParams, str | None]:
    """The filter form's values, parsed by the API's own filter model (blank fields ignored)."""
    query = request.query_params
    raw: dict[str, Any] = {k: query[k] for k in FILTER_FIELDS if query.get(k, "").strip()}
    tags = [t for t in query.getlist("tags") if t.strip()]
    hidden = [t for t in query.getlist("exclude_tags") if t.strip()]
    try:
        parsed = TraceListParams.model_validate({**raw, "tags": tags, "exclude_tags": hidden})
        return raw, parsed, None
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return raw, TraceListParams(), f"Ignored invalid filters: {names}."


def _list(request: Request, who: ViewerDep, rt: RuntimeDep, project_id: str) -> dict[str, Any]:
    scope = who.scope(project_id)
    raw, params, error = _params(request)
    cursor = request.query_params.get("cursor") or None
    body = service.list_traces(rt, scope, params, PageParams(limit=50, cursor=cursor))
    with rt.db.reader.connect() as conn:
        chips = ui_store.trace_scores(conn, scope.project_rowid, [t["id"] for t in body["data"]])
    return {
        "who": who,
        "project": who.project(project_id),
        "traces": body["data"],
        "meta": body["meta"],
        "scores": chips,
        "filters": raw,
        "tags": request.query_params.getlist("tags"),
        "exclude_tags": request.query_params.getlist("exclude_tags"),
        "params": params,
        "error": error,
        "cursor": cursor,
        "more_open": bool(raw.keys() - set(FILTER_FIELDS[:8]) - {"model", "sort", "order"})
        or bool(params.exclude_tags),
        "filtered": bool(raw.keys() - {"sort", "order"}) or bool(cursor),
    }


@router.get("/traces", response_class=HTMLResponse)
def trace_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    context = _list(request, who, rt, project_id)
    if request.query_params.get("_partial") == "rows":
        response = page(request, "_trace_rows.html", **context)
        response.headers["X-Total-Count"] = str(context["meta"]["total_count"])
        return response
    if not context["traces"] and not context["filtered"]:
        context["first_key"] = _first_key(rt, who, project_id)
    return page(request, "traces.html", nav="traces", **context)


def _first_key(rt: RuntimeDep, who: ViewerDep, project_id: str) -> Any:
    """The project's first active key, to fill in the "send your first trace" example."""
    scope = who.scope(project_id)
    with rt.db.reader.connect() as conn:
        rows = keys.list_keys(conn, org_rowid=scope.org_rowid, project_rowid=scope.project_rowid)
    return next((k for k in rows if k["revoked_at"] is None), None)


# Both ids may hold `/`. The path splits at its last "/observations/" (the trace id is not used:
# observations are found by id), so only an observation id containing that text is unreachable.
@router.get(
    "/traces/{trace_id:path}/observations/{observation_id:path}", response_class=HTMLResponse
)
def observation_detail(
    request: Request,
    project_id: str,
    trace_id: str,
    observation_id: str,
    who: ViewerDep,
    rt: RuntimeDep,
) -> Response:
    scope = who.scope(project_id)
    o = observation_service.get_observation(rt, scope, observation_id)
    return page(
        request,
        "_observation.html",
        o=o,
        tool=layout.tool_name(o),
        input=content.view(o["input"], _media_base(project_id)),
        output=content.view(o["output"], _media_base(project_id)),
        who=who,
        project=who.project(project_id),
        can_edit=scope.access == "write",
        datasets=dataset_choices(rt, who, project_id),
        playground_href=playground.href(project_id, observation=o["id"])
        if o["type"] == "generation"
        else None,
    )


def _media_base(project_id: str) -> str:
    """Where the media a trace references are served (`ui/routes/media.py`)."""
    return f"/ui/p/{quote(project_id, safe='')}/media"


@router.post("/traces/{trace_id:path}/feedback")
async def feedback(
    project_id: str, trace_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Thumbs up or down from the person looking at the trace, stored as a `feedback` score."""
    body = FeedbackIn.model_validate(
        {
            "value": 1 if fields.get("value") == "1" else -1,
            "comment": fields.get("comment") or None,
            "user_id": who.user["email"],
        }
    )
    await scores.add_feedback(rt, who.scope(project_id), trace_id, body)
    target = f"/ui/p/{project_id}/traces/{quote(trace_id, safe='')}"
    return RedirectResponse(target, status_code=303)


@router.get("/traces/{trace_id:path}", response_class=HTMLResponse)
def trace_page(
    request: Request, project_id: str, trace_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    trace = service.get_trace(rt, scope, trace_id, tree_depth=None)  # the page nests any depth
    rows, span_ms = layout.rows(trace)
    return page(
        request,
        "trace.html",
        nav="traces",
        who=who,
        project=who.project(project_id),
        trace=trace,
        rows=rows,
        span_ms=span_ms,
        input=content.view(trace["input"], _media_base(project_id)),
        output=content.view(trace["output"], _media_base(project_id)),
        can_edit=scope.access == "write",
        datasets=dataset_choices(rt, who, project_id),
        **trace_sections(rt, scope, trace),
        comments=trace_comments(rt, scope, trace_id),
    )
