"""Tapes in the browser: the public page `/t/{slug}`, the framable player `/embed/{slug}`, the
`/explore` gallery, and in the app the "Publish as tape" form (with its preview) and the
project's list of tapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse import __version__
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import Principal, RuntimeDep, address_limit
from tracehouse.http.pagination import PageParams
from tracehouse.masking.service import mask_value
from tracehouse.tapes import routes as tape_api
from tracehouse.tapes import service, snapshot
from tracehouse.tapes.schemas import ExploreParams, RedactionIn, TapeIn
from tracehouse.traces import render
from tracehouse.traces import service as traces
from tracehouse.ui import content, layout
from tracehouse.ui.session import FormDep, ViewerDep, find_viewer
from tracehouse.ui.templating import ENV, page

public = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)
_SPEEDS = (0.5, 1, 2, 4)
_LANES = 6  # timeline rows: one per depth, the deeper steps sharing the last


def player(tape: dict[str, Any]) -> dict[str, Any]:
    """What the player template needs: rows on the time axis and each step's I/O for people."""
    steps = tape["steps"]
    shape = {**tape["trace"], "observations": steps, "tree": render.tree(steps, None)}
    rows, span_ms = layout.rows(shape)
    views = {s["id"]: _io(s) for s in steps}
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["left"], i))
    return {
        "rows": rows,
        "span_ms": span_ms,
        "views": views,
        "trace_views": _io(tape["trace"]),
        "order": order,
        "speeds": _SPEEDS,
        "lanes": min(max((r["depth"] for r in rows), default=0) + 1, _LANES),
    }


def _io(item: dict[str, Any]) -> dict[str, Any]:
    """Input and output as the UI shows them, only those the tape holds."""
    return {k: content.view(item[k]) for k in ("input", "output") if k in item}


def _html(request: Request, rt: RuntimeDep, slug: str, name: str, **context: Any) -> Response:
    """A tape page, or a 304 when the visitor has this version of it (the page changes with
    the templates too, hence the version in its ETag)."""
    address_limit(request, rt)
    who = find_viewer(rt, request)
    principal = Principal(user=who.user) if who else None
    row = service.admit(rt, slug, tape_api.visitor(rt, request, principal))

    def render_page() -> Response:
        tape = service.load(rt, row)
        html = ENV.get_template(name).render(request=request, tape=tape, **player(tape), **context)
        return HTMLResponse(html)

    tagged = {**row, "etag": f"{row['etag']}-{__version__}"}
    return tape_api.cached(request, tagged, render_page)


@public.get("/t/{slug}", response_class=HTMLResponse)
def tape_page(request: Request, slug: str, rt: RuntimeDep) -> Response:
    base = str(rt.settings.public_url or request.base_url).rstrip("/")
    return _html(request, rt, slug, "tape.html", base=base)


@public.get("/embed/{slug}", response_class=HTMLResponse)
def embed(request: Request, slug: str, rt: RuntimeDep) -> Response:
    return _html(request, rt, slug, "tape_embed.html")


@public.get("/explore", response_class=HTMLResponse)
def explore(request: Request, rt: RuntimeDep) -> Response:
    address_limit(request, rt)
    query = {k: v for k, v in request.query_params.items() if v}
    try:
        params = ExploreParams.model_validate(query)
    except ValidationError:
        params = ExploreParams()
    body = service.explore(rt, params)
    return page(request, "explore.html", tapes=body["data"], meta=body["meta"], params=params)


@router.get("/tapes", response_class=HTMLResponse)
def tape_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    body = service.list_project(rt, who.scope(project_id), PageParams(limit=200))
    return page(
        request, "tapes.html", nav="tapes", who=who, project=who.project(project_id),
        tapes=body["data"],
    )  # fmt: skip


@router.get("/tapes/new", response_class=HTMLResponse)
def publish_form(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    fields = {"trace_id": request.query_params.get("trace_id", ""), **_DEFAULTS}
    return _form(request, project_id, who, rt, fields)


@router.post("/tapes/preview", response_class=HTMLResponse)
def preview(
    request: Request, project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    return _form(request, project_id, who, rt, fields)


@router.post("/tapes")
def publish(
    request: Request, project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    try:
        tape = service.publish(rt, who.scope(project_id), tape_in(fields))
    except InvalidRequest as error:
        return _form(request, project_id, who, rt, fields, error=error.message)
    return RedirectResponse(f"/ui/p/{project_id}/tapes?published={tape['slug']}", 303)


@router.post("/tapes/{slug}/unpublish")
def unpublish(
    project_id: str, slug: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    service.unpublish(rt, who.scope(project_id), slug)
    return RedirectResponse(f"/ui/p/{project_id}/tapes", 303)


@router.post("/tapes/{slug}/republish")
def republish(
    project_id: str, slug: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    service.republish(rt, who.scope(project_id), slug)
    return RedirectResponse(f"/ui/p/{project_id}/tapes?published={slug}", 303)


_DEFAULTS = {
    "visibility": "unlisted", "inputs": "on", "outputs": "on", "costs": "on",
}  # fmt: skip
_SWITCHES = ("inputs", "outputs", "metadata", "user_ids", "costs")


def _words(text: str | None) -> list[str]:
    return [w.strip() for w in (text or "").split(",") if w.strip()]


def tape_in(fields: dict[str, str]) -> TapeIn:
    """The form's fields as the API's request (unticked boxes are absent from a form)."""
    redaction = RedactionIn(
        **{name: name in fields for name in _SWITCHES},
        drop_keys=_words(fields.get("drop_keys")),
        mask_keys=_words(fields.get("mask_keys")),
    )
    raw = {
        "trace_id": fields.get("trace_id", ""),
        "slug": fields.get("slug") or None,
        "title": fields.get("title") or None,
        "description": fields.get("description") or None,
        "tags": _words(fields.get("tags")),
        "visibility": fields.get("visibility") or "unlisted",
        "expires_at": fields.get("expires_at") or None,
        "max_views": fields.get("max_views") or None,
        "redaction": redaction,
    }
    try:
        return TapeIn.model_validate(raw)
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise InvalidRequest(f"Check these fields: {names}.") from exc


def _form(
    request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep, fields: dict[str, str],
    error: str | None = None,
) -> Response:  # fmt: skip
    """The form, and below it the tape exactly as strangers would see it with these choices."""
    scope = who.scope(project_id)
    trace = traces.get_trace(rt, scope, fields.get("trace_id", ""), tree_depth=None)
    try:
        chosen = tape_in(fields)
    except InvalidRequest as exc:
        chosen, error = tape_in({"trace_id": trace["id"], **_DEFAULTS}), exc.message
    masker = service.project_masker(rt, scope)
    shown = snapshot.build(trace, chosen.redaction, masker)
    tape = {
        "title": mask_value(masker, chosen.title or trace["name"] or "Untitled trace"),
        "tags": chosen.tags,
        **shown,
    }
    return page(
        request, "tape_publish.html", nav="tapes", who=who, project=who.project(project_id),
        fields=fields, trace=trace, tape=tape, error=error, **player(tape),
        back=f"/ui/p/{project_id}/traces/{quote(trace['id'], safe='')}",
    )  # fmt: skip
