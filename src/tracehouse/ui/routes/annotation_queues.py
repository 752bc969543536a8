"""Annotation queues: the list with progress, a queue's items, and the focused screen where a
person scores one item after another (the trace on the left, the score form on the right)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.annotations import service
from tracehouse.annotations.schemas import AnnotationIn, QueueIn, QueueItemIn
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.observations import service as observations
from tracehouse.traces import service as traces
from tracehouse.ui import content
from tracehouse.ui.evaluator_form import problems
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/annotations", include_in_schema=False)


def _base(project_id: str) -> str:
    return f"/ui/p/{project_id}/annotations"


def _progress(items: list[dict[str, Any]]) -> dict[str, int]:
    done = sum(1 for i in items if i["status"] == "completed")
    total = len(items)
    return {"done": done, "total": total, "percent": round(done * 100 / total) if total else 0}


@router.get("", response_class=HTMLResponse)
def queue_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    found = service.list_queues(rt, scope)["data"]
    progress = {
        q["id"]: _progress(service.list_items(rt, scope, q["id"], None)["data"]) for q in found
    }
    return page(
        request,
        "annotation_queues.html",
        nav="annotations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        queues=found,
        progress=progress,
    )


def _score_config(fields: dict[str, str]) -> dict[str, Any]:
    kind = fields.get("data_type") or "NUMERIC"
    config: dict[str, Any] = {"name": fields.get("score_name", "").strip(), "data_type": kind}
    for bound in ("min", "max"):
        if fields.get(bound, "").strip():
            config[bound] = fields[bound].strip()
    config["categories"] = [c.strip() for c in fields.get("categories", "").split(",") if c.strip()]
    return config


@router.post("")
def create_queue(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    body = {
        "name": fields.get("name", "").strip(),
        "description": fields.get("description") or None,
        "score_config": _score_config(fields),
    }
    try:
        checked = QueueIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(f"Queue not created: {problems(exc)}.") from exc
    created = service.create_queue(rt, who.scope(project_id), checked)
    return RedirectResponse(f"{_base(project_id)}/{quote(created['id'])}", status_code=303)


@router.get("/{ref}", response_class=HTMLResponse)
def queue_page(
    request: Request, project_id: str, ref: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    queue = service.render_queue(service.require_queue(rt, scope.project_rowid, ref))
    items = service.list_items(rt, scope, queue["id"], None)["data"]
    return page(
        request,
        "annotation_queue.html",
        nav="annotations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        queue=queue,
        items=items,
        progress=_progress(items),
        first=next((i for i in items if i["status"] == "pending"), None),
    )


@router.post("/{ref}/items")
def add_items(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Queue traces by id (several: separated by commas, spaces or lines)."""
    scope = who.scope(project_id)
    ids = fields.get("trace_ids", "").replace(",", " ").split()
    if not ids:
        raise InvalidRequest("Give the id of at least one trace.")
    for trace_id in ids:
        traces.get_trace(rt, scope, trace_id)  # 404 for a trace that is not there
        service.add_item(rt, scope, ref, QueueItemIn(trace_id=trace_id))
    return RedirectResponse(f"{_base(project_id)}/{quote(ref)}", status_code=303)


def _shown(rt: RuntimeDep, scope: ProjectScope, item: dict[str, Any]) -> dict[str, Any]:
    """What the annotator looks at: the observation when the item names one, else the trace."""
    try:
        if item["observation_id"]:
            found = observations.get_observation(rt, scope, item["observation_id"])
        else:
            found = traces.get_trace(rt, scope, item["trace_id"], tree_depth=1)
    except NotFound:
        return {"missing": True}
    return {
        "record": found,
        "input": content.view(found.get("input")),
        "output": content.view(found.get("output")),
        "missing": False,
    }


def _neighbours(items: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    """The item before and after, and the next pending item after this one (wrapping)."""
    index = next(i for i, item in enumerate(items) if item["id"] == item_id)
    later = items[index + 1 :] + items[:index]
    return {
        "position": index + 1,
        "previous": items[index - 1] if index > 0 else None,
        "next": items[index + 1] if index + 1 < len(items) else None,
        "next_pending": next((i for i in later if i["status"] == "pending"), None),
    }


@router.get("/{ref}/items/{item_id}", response_class=HTMLResponse)
def annotate_page(
    request: Request, project_id: str, ref: str, item_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    queue = service.render_queue(service.require_queue(rt, scope.project_rowid, ref))
    items = service.list_items(rt, scope, queue["id"], None)["data"]
    item = next((i for i in items if i["id"] == item_id), None)
    if item is None:
        raise NotFound(f"No item {item_id!r} in this queue.")
    return page(
        request,
        "annotate.html",
        nav="annotations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        queue=queue,
        item=item,
        progress=_progress(items),
        options=score_options(queue["score_config"]),
        shown=_shown(rt, scope, item),
        **_neighbours(items, item_id),
    )


def score_options(config: dict[str, Any]) -> list[dict[str, str]]:
    """The choices a keyboard picks from (keys 1-9): categories, yes/no, or the whole numbers
    of a small numeric range; empty for a number typed in."""
    kind = config["data_type"]
    if kind == "CATEGORICAL":
        return [{"value": c, "label": c} for c in config["categories"][:9]]
    if kind == "BOOLEAN":
        return [{"value": "true", "label": "Yes"}, {"value": "false", "label": "No"}]
    low, high = config.get("min"), config.get("max")
    if low is None or high is None or low != int(low) or high != int(high) or high - low > 8:
        return []
    return [{"value": str(v), "label": str(v)} for v in range(int(low), int(high) + 1)]


def form_value(config: dict[str, Any], raw: str) -> Any:
    """The form's value as the score config's type (the service checks range and category)."""
    if config["data_type"] == "CATEGORICAL":
        return raw
    if config["data_type"] == "BOOLEAN":
        return {"true": True, "false": False}.get(raw, raw)
    try:
        return float(raw)
    except ValueError as exc:
        raise InvalidRequest("Give the score as a number.", {"field": "value"}) from exc


@router.post("/{ref}/items/{item_id}")
async def annotate(
    project_id: str, ref: str, item_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Store the score, then go on to the next pending item (or back to the queue)."""
    scope = who.scope(project_id)
    queue = service.require_queue(rt, scope.project_rowid, ref)
    config = service.render_queue(queue)["score_config"]
    body = AnnotationIn(
        value=form_value(config, fields.get("value", "").strip()),
        comment=fields.get("comment") or None,
        author=who.user["email"],
    )
    await service.complete(rt, scope, queue["id"], item_id, body)
    items = service.list_items(rt, scope, queue["id"], None)["data"]
    upcoming = _neighbours(items, item_id)["next_pending"]
    target = f"{_base(project_id)}/{quote(queue['id'])}"
    if upcoming is not None:
        target += f"/items/{quote(upcoming['id'])}"
    return RedirectResponse(target, status_code=303)
