"""`/api/v1/prompts`: prompts with numbered versions, labels, compilation and per-version metrics.

Names may contain `/` (folders), so every route takes the name as a path and the fixed
suffixes (`/versions`, `/labels`, `/compile`, `/metrics`) are declared first.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery, page_body
from tracehouse.prompts import render, service
from tracehouse.prompts.schemas import (
    CompileIn,
    LabelMoveIn,
    LabelsIn,
    PromptFilters,
    PromptIn,
    Selector,
    VersionIn,
)

router = APIRouter(prefix="/api/v1/prompts", tags=["prompts"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)


@router.post("", status_code=201, responses=_WRITE, summary="Create a prompt (or its next version)")
def create_prompt(body: PromptIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Creates the prompt with version 1, or adds the next version when the name exists."""
    return render.version(service.create_version(rt, scope, body.name, body))


@router.get("", responses=_READ, summary="List prompts")
def list_prompts(
    filters: Annotated[PromptFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Most recently changed first; filter by `name`, `label` or `tag`."""
    items, total = service.list_prompts(rt, scope, filters.model_dump(), page)
    return page_body(
        items,
        page,
        total,
        render.summary,
        lambda item: (item.prompt["updated_at"], item.prompt["prompt_rowid"]),
    )


@router.get("/{name:path}/versions", responses=_READ, summary="List a prompt's versions")
def list_versions(name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return {"data": [render.version(v) for v in service.list_versions(rt, scope, name)]}


@router.post(
    "/{name:path}/versions", status_code=201, responses=_WRITE, summary="Add a prompt version"
)
def create_version(
    name: str, body: VersionIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.version(service.create_version(rt, scope, name, body))


@router.patch(
    "/{name:path}/versions/{version}", responses=_WRITE, summary="Put labels on a version"
)
def label_version(
    name: str, version: int, body: LabelsIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Each label moves off the version that had it; `latest` is reserved."""
    return render.version(service.set_labels(rt, scope, name, version, body.labels))


@router.put("/{name:path}/labels/{label}", responses=_WRITE, summary="Move a label to a version")
def move_label(
    name: str, label: str, body: LabelMoveIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.version(service.set_labels(rt, scope, name, body.version, [label]))


@router.delete(
    "/{name:path}/labels/{label}", status_code=204, responses=_WRITE, summary="Remove a label"
)
def remove_label(name: str, label: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.remove_label(rt, scope, name, label)
    return Response(status_code=204)


@router.post("/{name:path}/compile", responses=_WRITE, summary="Compile a prompt with variables")
def compile_prompt(
    name: str,
    body: CompileIn,
    selector: Annotated[Selector, Query()],
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """`{{var}}` filled from `variables`, chat placeholders from `placeholders`; anything
    missing is a 422 whose details name each missing variable or placeholder."""
    found, compiled = service.compile_prompt(rt, scope, name, selector, body)
    head = render.version(found)
    return {
        "name": head["name"],
        "version": head["version"],
        "type": head["type"],
        "labels": head["labels"],
        "config": head["config"],
        "compiled": compiled,
    }


@router.get(
    "/{name:path}/metrics",
    responses={**_READ, **error_responses(Unavailable)},
    summary="Per-version usage, cost and scores",
)
def prompt_metrics(name: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Generations that named this prompt (SDK, Langfuse or OTel attributes), per version."""
    return {"name": name, "versions": service.metrics(rt, scope, name)}


@router.get("/{name:path}", responses=_READ, summary="Get a prompt version")
def get_prompt(
    name: str, selector: Annotated[Selector, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """`?version=N` or `?label=L`; neither serves `production`, or `latest` when no version
    is labelled `production`."""
    return render.version(service.get_version(rt, scope, name, selector))


@router.delete("/{name:path}", status_code=204, responses=_WRITE, summary="Delete a prompt")
def delete_prompt(
    name: str, selector: Annotated[Selector, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> Response:
    """The whole prompt, or one version with `?version=` or `?label=`."""
    chosen = selector if selector.version is not None or selector.label else None
    service.delete(rt, scope, name, chosen)
    return Response(status_code=204)
