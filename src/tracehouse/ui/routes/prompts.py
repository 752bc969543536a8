"""Prompts: the list and a new prompt, one prompt with its versions, a new version from an
edited one, two versions side by side with a diff, label moves and removals, per-version
metrics. Everything goes through the prompts service."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.prompts import render, service
from tracehouse.prompts.schemas import VersionIn
from tracehouse.ui import prompt_diff
from tracehouse.ui.routes import playground
from tracehouse.ui.routes.comments import target_comments
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/prompts", include_in_schema=False)


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@router.get("", response_class=HTMLResponse)
def prompt_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    cursor = request.query_params.get("cursor") or None
    params = PageParams(limit=50, cursor=cursor)
    filters: dict[str, str | None] = {"name": None, "label": None, "tag": None}
    items, total = service.list_prompts(rt, scope, filters, params)
    body = page_body(
        items,
        params,
        total,
        render.summary,
        lambda item: (item.prompt["updated_at"], item.prompt["prompt_rowid"]),
    )
    return page(
        request,
        "prompts.html",
        nav="prompts",
        who=who,
        project=who.project(project_id),
        prompts=body["data"],
        meta=body["meta"],
        base_url=str(request.base_url).rstrip("/"),
        can_edit=scope.access == "write",
    )


def _href(project_id: str, name: str) -> str:
    return f"/ui/p/{project_id}/prompts/{quote(name)}"


def _json(raw: str, what: str) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"The {what} is not valid JSON: {exc.msg} (line {exc.lineno})."
        ) from exc


def _kind(fields: dict[str, str]) -> str:
    return "chat" if fields.get("type") == "chat" else "text"


def _version_in(fields: dict[str, str], kind: str) -> VersionIn:
    """A version from the edit form: text as typed, chat messages and config as JSON."""
    text = fields.get("prompt", "")
    body = {
        "type": kind,
        "prompt": _json(text, "chat messages") if kind == "chat" else text,
        "config": _json(fields.get("config", ""), "config"),
        "labels": [x.strip() for x in fields.get("labels", "").split(",") if x.strip()],
        "commit_message": fields.get("commit_message", "").strip() or None,
    }
    try:
        return VersionIn.model_validate(body)
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise InvalidRequest(f"The version was not saved: check {names}.") from exc


@router.post("")
def create_prompt(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """A new prompt with its first version (the API's rules: names, labels, write access)."""
    name = fields.get("name", "").strip()
    if not name:
        raise InvalidRequest("A new prompt needs a name.")
    scope = who.scope(project_id)
    with suppress(NotFound):
        service.list_versions(rt, scope, name)
        raise Conflict(f"A prompt named {name!r} exists: edit it to add a version.")
    service.create_version(rt, scope, name, _version_in(fields, _kind(fields)))
    return RedirectResponse(_href(project_id, name), status_code=303)


def playground_href(project_id: str, name: str, version: int) -> str | None:
    """Where "Open in playground" leads: the playground with this version's messages."""
    return playground.href(project_id, prompt=name, version=version)


def _pick(versions: list[dict[str, Any]], wanted: int | None, default: int) -> dict[str, Any]:
    """Version `wanted`; when there is no such version, `default`."""
    by_number = {v["version"]: v for v in versions}
    return by_number.get(wanted or default) or by_number[default]


def _compared(versions: list[dict[str, Any]], query: Any) -> dict[str, Any]:
    """The shown version (default: production, else the newest) and the one it is compared
    with (default: the version before it)."""
    production = next((v for v in versions if service.PRODUCTION in v["labels"]), versions[0])
    shown = _pick(versions, _number(query.get("version")), production["version"])
    older = [v for v in versions if v["version"] < shown["version"]]
    base = _pick(versions, _number(query.get("compare")), (older or [shown])[0]["version"])
    old = prompt_diff.lines(base["prompt"], base["config"])
    new = prompt_diff.lines(shown["prompt"], shown["config"])
    rows = prompt_diff.side_by_side(old, new)
    return {"shown": shown, "base": base, "rows": rows, "changed": prompt_diff.changed(rows)}


@router.get("/{name:path}", response_class=HTMLResponse)
def prompt_page(
    request: Request, project_id: str, name: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    versions = [render.version(v) for v in service.list_versions(rt, scope, name)]
    compared = _compared(versions, request.query_params)
    shown = compared["shown"]
    back = f"{_href(project_id, name)}?version={shown['version']}"
    return page(
        request,
        "prompt.html",
        nav="prompts",
        who=who,
        project=who.project(project_id),
        prompt_name=name,
        can_edit=scope.access == "write",
        versions=versions,
        playground=lambda version: playground_href(project_id, name, version),
        metrics=[m for m in service.metrics(rt, scope, name) if m["generations"]],
        **compared,
        **target_comments(rt, scope, "prompt_version", shown["id"], back),
    )


@router.post("/{name:path}/labels")
def move_label(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Put a label on a version: the API's rules (write access, `latest` reserved)."""
    scope = who.scope(project_id)
    version = _number(fields.get("version"))
    label = fields.get("label", "").strip()
    if version is None or not label:
        raise InvalidRequest("A label and a version number are needed.")
    service.set_labels(rt, scope, name, version, [label])
    return RedirectResponse(f"{_href(project_id, name)}?version={version}", status_code=303)


@router.post("/{name:path}/labels/remove")
def remove_label(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Take a label off whichever version has it (`latest` stays on the newest)."""
    service.remove_label(rt, who.scope(project_id), name, fields.get("label", ""))
    target = f"{_href(project_id, name)}?version={fields.get('version', '')}"
    return RedirectResponse(target, status_code=303)


@router.post("/{name:path}/versions")
def new_version(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """The edited text (or messages) saved as the next version; the older ones stay as they
    were, and `latest` moves to the new one."""
    body = _version_in(fields, _kind(fields))
    created = service.create_version(rt, who.scope(project_id), name, body)
    target = f"{_href(project_id, name)}?version={created.version['version']}"
    return RedirectResponse(target, status_code=303)
