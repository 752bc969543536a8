"""Skills: the list, and one skill with its versions, labels (moved by a form) and a diff of
two versions. Everything goes through the skills service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.skills import render, service
from tracehouse.skills.schemas import SkillSelector
from tracehouse.ui import prompt_diff
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/skills", include_in_schema=False)


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@router.get("", response_class=HTMLResponse)
def skill_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id, access="read")
    params = PageParams(limit=50, cursor=request.query_params.get("cursor") or None)
    filters = {"scope": None, "tags": request.query_params.get("tags"), "name": None}
    items, total = service.list_skills(rt, scope, filters, params)
    body = page_body(
        items,
        params,
        total,
        render.version,
        lambda item: (item.skill["updated_at"], item.skill["skill_rowid"]),
    )
    return page(
        request,
        "skills.html",
        nav="skills",
        who=who,
        project=who.project(project_id),
        skills=body["data"],
        meta=body["meta"],
    )


def _compared(versions: list[Any], shown: int, wanted: int | None) -> Any:
    """The version `shown` is compared with: `wanted`, else the one before it, else itself."""
    by_number = {v.version["version"]: v for v in versions}
    older = [n for n in by_number if n < shown]
    return by_number.get(wanted or 0) or by_number[max(older) if older else shown]


@router.get("/{skill_id}", response_class=HTMLResponse)
def skill_page(
    request: Request, project_id: str, skill_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id, access="read")
    query = request.query_params
    found = service.get(rt, scope, skill_id, SkillSelector(version=_number(query.get("version"))))
    versions = service.versions(rt, scope, skill_id)
    base = _compared(versions, found.version["version"], _number(query.get("compare")))
    rows = prompt_diff.side_by_side(
        service.version_text(base.version).splitlines(),
        service.version_text(found.version).splitlines(),
    )
    return page(
        request,
        "skill.html",
        nav="skills",
        who=who,
        project=who.project(project_id),
        shown=render.version(found),
        base=render.version(base),
        versions=[render.version(v) for v in versions],
        rows=rows,
        changed=prompt_diff.changed(rows),
        usage=service.version_usage(
            rt, scope, skill_id, SkillSelector(version=found.version["version"])
        ),
        can_edit=who.scope(project_id).access == "write",
    )


@router.post("/{skill_id}/labels")
def move_label(
    project_id: str, skill_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Put a label on a version (the API's rules: label names, `latest` reserved, access)."""
    version = _number(fields.get("version")) or 0
    service.move_label(rt, who.scope(project_id), skill_id, fields.get("label", ""), version)
    href = f"/ui/p/{project_id}/skills/{skill_id}?version={version}"
    return RedirectResponse(href, status_code=303)
