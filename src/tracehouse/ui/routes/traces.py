"""Traces: the filtered, sorted, keyset-paged list (with a rows partial for live updates) and one
trace as tree + waterfall, with an observation partial for the detail pane."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.annotations import service as queues
from tracehouse.collab import service as collab
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.keys import service as keys
from tracehouse.observations import service as observation_service
from tracehouse.saved_views import service as saved_views
from tracehouse.scores import service as scores
from tracehouse.scores.schemas import FeedbackIn
from tracehouse.traces import service
from tracehouse.ui import content, layout, trace_list
from tracehouse.ui import store as ui_store
from tracehouse.ui.routes import playground
from tracehouse.ui.routes.checkpoints import trace_sections
from tracehouse.ui.routes.comments import target_comments, trace_comments
from tracehouse.ui.routes.datasets import dataset_choices
from tracehouse.ui.score_form import node_score
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


def _list(request: Request, who: ViewerDep, rt: RuntimeDep, project_id: str) -> dict[str, Any]:
    scope = who.scope(project_id)
    raw = trace_list.raw_filters(request.query_params)
    params, error = trace_list.parsed(raw)
    cursor = request.query_params.get("cursor") or None
    body = service.list_traces(rt, scope, params, PageParams(limit=50, cursor=cursor))
    with rt.db.reader.connect() as conn:
        chips = ui_store.trace_scores(conn, scope.project_rowid, [t["id"] for t in body["data"]])
    shown = trace_list.columns(request.query_params)
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
        "columns": shown,
        "more_open": bool(raw.keys() - trace_list.IN_BAR),
        "filtered": bool(raw.keys() - {"sort", "order"}) or bool(cursor),
    }


@router.get("/traces", response_class=HTMLResponse)
def trace_list_page(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    if trace_list.untidy(request.query_params):  # the URL holds only what is set
        query = trace_list.canonical(request.query_params)
        return RedirectResponse(f"{request.url.path}?{query}".rstrip("?"), status_code=303)
    context = _list(request, who, rt, project_id)
    if request.query_params.get("_partial") == "rows":
        response = page(request, "_trace_rows.html", **context)
        response.headers["X-Total-Count"] = str(context["meta"]["total_count"])
        return response
    if not context["traces"] and not context["filtered"]:
        context["first_key"] = _first_key(rt, who, project_id)
    return page(
        request, "traces.html", nav="traces", **context, **_chrome(request, rt, who, project_id)
    )


def _chrome(request: Request, rt: RuntimeDep, who: ViewerDep, project_id: str) -> dict[str, Any]:
    """What the full page adds to the rows: saved views, the column picker, active filters."""
    scope = who.scope(project_id)
    query = request.query_params
    here = saved_views.trace_query(trace_list.raw_filters(query), trace_list.columns(query))
    views = saved_views.list_views(rt, scope, None)["data"]
    return {
        "views": views,
        "here": here,
        "current_view": next((v for v in views if trace_list.same(v["query"], here)), None),
        "choices": trace_list.column_choices(trace_list.columns(query)),
        "labels": trace_list.LABELS,
        "active": trace_list.removable(query),
        "score_configs": queues.score_configs(rt, scope),
        "can_edit": scope.access == "write",
    }


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
        score_configs=queues.score_configs(rt, scope),
        node_scores=scores.node_scores(rt, scope, o["trace_id"], o["id"]),
        **target_comments(rt, scope, "observation", o["id"], _observation_href(project_id, o)),
    )


def _observation_href(project_id: str, o: dict[str, Any]) -> str:
    """The trace page with the observation selected."""
    trace = quote(o["trace_id"], safe="")
    return f"/ui/p/{project_id}/traces/{trace}#{quote(o['id'], safe='')}"


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


@router.post("/traces/{trace_id:path}/scores")
async def add_score(
    project_id: str, trace_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """A person's score on the trace or one of its observations, through the scores service."""
    scope = who.scope(project_id)
    scope.require_write()
    body = node_score(fields, queues.score_configs(rt, scope), trace_id)
    scores.require_node(rt, scope, trace_id, body.observation_id)
    await scores.create_scores(rt, scope, [body], author=who.user["email"])
    anchor = f"#{quote(body.observation_id, safe='')}" if body.observation_id else ""
    return RedirectResponse(f"/ui/p/{project_id}/traces/{quote(trace_id, safe='')}{anchor}", 303)


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
        score_configs=queues.score_configs(rt, scope),
        **trace_sections(rt, scope, trace),
        comments=trace_comments(rt, scope, trace_id),
        mentionable=collab.mentionable(rt, scope),
    )
