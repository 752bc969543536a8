"""`/api/v1/skills`: skills with immutable numbered versions, labels, diffs and lookup by name.

A skill's `id` names it in paths; `/by-name/{name}` serves the SDK, which knows names."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery, page_body
from tracehouse.prompts.schemas import LabelMoveIn
from tracehouse.skills import render, service
from tracehouse.skills.schemas import DiffQuery, SkillFilters, SkillIn, SkillPatch, SkillSelector

router = APIRouter(prefix="/api/v1/skills", tags=["skills"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)


@router.post("", status_code=201, responses=_WRITE, summary="Create a skill")
def create_skill(body: SkillIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Version 1, labelled `latest` (and any `labels` given)."""
    return render.version(service.create(rt, scope, body))


@router.get("", responses=_READ, summary="List skills")
def list_skills(
    filters: Annotated[SkillFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """The project's skills and its organization's, most recently changed first, each as its
    newest version; `scope` and `tags` (comma-separated, all required) filter."""
    items, total = service.list_skills(rt, scope, filters.model_dump(), page)
    return page_body(
        items,
        page,
        total,
        render.version,
        lambda item: (item.skill["updated_at"], item.skill["skill_rowid"]),
    )


@router.get("/by-name/{name}", responses=_READ, summary="Get a skill version by name")
def get_by_name(
    name: str, selector: Annotated[SkillSelector, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """The project's skill of that name, else the organization's."""
    return render.version(service.get_by_name(rt, scope, name, selector))


@router.get("/{skill_id}/versions", responses=_READ, summary="List a skill's versions")
def list_versions(skill_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return {"data": [render.version(v) for v in service.versions(rt, scope, skill_id)]}


@router.get(
    "/{skill_id}/diff",
    response_class=PlainTextResponse,
    responses=_READ,
    summary="Diff two versions",
)
def diff(
    skill_id: str, query: Annotated[DiffQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> PlainTextResponse:
    """A unified diff (`?from=1&to=2`) of the body, description, metadata and files."""
    text = service.diff(rt, scope, skill_id, query.base, query.head)
    return PlainTextResponse(text, media_type="text/x-diff")


@router.put("/{skill_id}/labels/{label}", responses=_WRITE, summary="Move a label to a version")
def move_label(
    skill_id: str, label: str, body: LabelMoveIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.version(service.move_label(rt, scope, skill_id, label, body.version))


@router.delete(
    "/{skill_id}/labels/{label}", status_code=204, responses=_WRITE, summary="Remove a label"
)
def remove_label(skill_id: str, label: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.remove_label(rt, scope, skill_id, label)
    return Response(status_code=204)


@router.get("/{skill_id}/usage", responses=_READ, summary="Where a skill version was used")
def version_usage(
    skill_id: str,
    selector: Annotated[SkillSelector, Query()],
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Traces and observations of this project whose metadata names the version under
    `tracehouse.skill` (`"name@version"`, as the SDK's `get_skill` sets inside an observed
    run), the traces' total cost, and their scores by name (count, average)."""
    return service.version_usage(rt, scope, skill_id, selector)


@router.get("/{skill_id}", responses=_READ, summary="Get a skill version")
def get_skill(
    skill_id: str,
    selector: Annotated[SkillSelector, Query()],
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """`?version=N` or `?label=L`; neither serves `production`, else `latest`."""
    return render.version(service.get(rt, scope, skill_id, selector))


@router.patch("/{skill_id}", responses=_WRITE, summary="Update a skill (a new version)")
def update_skill(
    skill_id: str, body: SkillPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """A new immutable version; the previous ones stay readable."""
    return render.version(service.update(rt, scope, skill_id, body))


@router.delete("/{skill_id}", status_code=204, responses=_WRITE, summary="Delete a skill")
def delete_skill(skill_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete(rt, scope, skill_id)
    return Response(status_code=204)
