"""`/api/public/v2/prompts`: Langfuse's prompt API over the same prompt service.

Folder names arrive URL-encoded (`folder%2Fgreet`) in one segment; the path converter takes
them whole. With neither `version` nor `label`, Langfuse serves `production` (no fallback).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from tracehouse.clock import iso
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
from tracehouse.http.pagination import PageParams
from tracehouse.http.schemas import RequestModel
from tracehouse.langfuse import filters as json_filter
from tracehouse.langfuse.params import Filtered, PageQuery
from tracehouse.langfuse.render import page_meta
from tracehouse.prompts import render as native
from tracehouse.prompts import service
from tracehouse.prompts.schemas import Selector, VersionIn
from tracehouse.prompts.service import PromptSummary, PromptVersion

router = APIRouter(prefix="/api/public/v2/prompts", tags=["langfuse"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)


class LangfusePromptIn(RequestModel):
    """Langfuse's create body: `type` is omitted for text prompts; nulls mean "not given"."""

    name: str = Field(min_length=1, max_length=500)
    type: Literal["text", "chat"] | None = None
    prompt: str | list[dict[str, Any]]
    config: dict[str, Any] | None = None
    labels: list[str] | None = None
    tags: list[str] | None = None
    commit_message: str | None = Field(None, max_length=10_000)


class NewLabelsIn(RequestModel):
    new_labels: list[str] = Field(min_length=1)


class PromptListQuery(PageQuery, Filtered):
    name: str | None = None
    label: str | None = None
    tag: str | None = None


def render(found: PromptVersion, project_id: str) -> dict[str, Any]:
    body = native.version(found)
    return {
        "id": body["id"],
        "name": body["name"],
        "type": body["type"],
        "version": body["version"],
        "prompt": body["prompt"],
        "config": body["config"] if body["config"] is not None else {},
        "labels": body["labels"],
        "tags": body["tags"],
        "commitMessage": body["commit_message"],
        "createdBy": body["author"],
        "createdAt": body["created_at"],
        "updatedAt": iso(found.prompt["updated_at"]),
        "projectId": project_id,
        "isActive": None,
        "resolutionGraph": None,
    }


def _meta(item: PromptSummary) -> dict[str, Any]:
    body = native.summary(item)
    return {
        "name": body["name"],
        "type": body["type"],
        "versions": body["versions"],
        "labels": body["labels"],
        "tags": body["tags"],
        "lastUpdatedAt": body["updated_at"],
        "lastConfig": body["last_config"] if body["last_config"] is not None else {},
    }


@router.post("", status_code=201, responses=_WRITE, summary="Create a prompt version (Langfuse)")
def create_prompt(body: LangfusePromptIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    version = VersionIn(
        type=body.type,
        prompt=body.prompt,
        config=body.config,
        labels=body.labels or [],
        tags=body.tags,
        commit_message=body.commit_message,
    )
    return render(service.create_version(rt, scope, body.name, version), scope.project_id)


@router.get("", responses=_READ, summary="List prompts (Langfuse)")
def list_prompts(
    query: Annotated[PromptListQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    filters: dict[str, str | None] = {"name": query.name, "label": query.label, "tag": query.tag}
    page = PageParams(limit=query.limit, offset=query.offset)
    versions = json_filter.parse(query.filter, json_filter.PROMPT_COLUMNS)
    items, total = service.list_prompts(rt, scope, filters, page, versions)
    return {
        "data": [_meta(item) for item in items[: query.limit]],
        "meta": page_meta(query.page, query.limit, total),
    }


@router.patch("/{name:path}/versions/{version}", responses=_WRITE, summary="Set labels (Langfuse)")
def update_labels(
    name: str, version: int, body: NewLabelsIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    found = service.set_labels(rt, scope, name, version, body.new_labels)
    return render(found, scope.project_id)


@router.get("/{name:path}", responses=_READ, summary="Get a prompt (Langfuse)")
def get_prompt(
    name: str, selector: Annotated[Selector, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    found = service.get_version(rt, scope, name, selector, fallback=False)
    return render(found, scope.project_id)


@router.delete("/{name:path}", status_code=204, responses=_WRITE, summary="Delete (Langfuse)")
def delete_prompt(
    name: str, selector: Annotated[Selector, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> Response:
    chosen = selector if selector.version is not None or selector.label else None
    service.delete(rt, scope, name, chosen)
    return Response(status_code=204)
