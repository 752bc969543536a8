"""`/api/v1/tapes`: publish (and re-publish), list and unpublish with a project key; read one
tape and explore without credentials (rate-limited per client address, ETag-cacheable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from tracehouse.errors import (
    Conflict,
    Forbidden,
    Gone,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import (
    Manager,
    ManagerDep,
    ProjectScopeDep,
    RuntimeDep,
    address_limit,
    authenticate,
    credential,
)
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.http.responses import JSONResponse
from tracehouse.runtime import Runtime
from tracehouse.tapes import service
from tracehouse.tapes.schemas import ExploreParams, FeatureIn, TapeIn

router = APIRouter(prefix="/api/v1/tapes", tags=["tapes"])
_PUBLIC = error_responses(Unauthorized, Forbidden, NotFound, Gone, ValidationFailed, RateLimited)
_READ = error_responses(InvalidRequest, Unauthorized, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)
PublicLimit = Depends(address_limit)


@router.post("", status_code=201, responses=_WRITE, summary="Publish a trace as a tape")
def publish(body: TapeIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Copy what the trace shows now, as redacted, into a tape. The slug of one of the project's
    own tapes re-publishes it (a fresh copy, even after unpublishing)."""
    return service.publish(rt, scope, body)


@router.get("", responses=_READ, summary="List the project's tapes")
def list_tapes(page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Every tape of the project, newest first, with its state and view count."""
    return service.list_project(rt, scope, page)


@router.get(
    "/explore", responses=_PUBLIC, summary="Browse public tapes", dependencies=[PublicLimit]
)
def explore(params: Annotated[ExploreParams, Query()], rt: RuntimeDep) -> dict[str, Any]:
    """No credentials needed. `trending` weighs the last two days' views three times."""
    return service.explore(rt, params)


@router.get("/{slug}", responses=_PUBLIC, summary="Read a tape", dependencies=[PublicLimit])
def read_tape(slug: str, request: Request, rt: RuntimeDep) -> Response:
    """No credentials needed (an organization tape needs a key or token of its organization).
    Send `If-None-Match` with the last `ETag` for a 304."""
    tape = service.admit(rt, slug, visitor(rt, request))
    return cached(request, tape, lambda: JSONResponse(service.load(rt, tape)))


@router.post("/{slug}/republish", responses=_WRITE, summary="Re-publish a tape")
def republish(slug: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """A fresh copy of the trace as it is now, with the tape's choices; also brings back an
    unpublished or expired tape. `404` when the trace is gone."""
    return service.republish(rt, scope, slug)


@router.delete("/{slug}", status_code=204, responses=_WRITE, summary="Unpublish a tape")
def unpublish(slug: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Delete the tape's copy; its address answers 410 Gone until it is re-published."""
    service.unpublish(rt, scope, slug)
    return Response(status_code=204)


@router.put("/{slug}/featured", responses=_WRITE, summary="Feature a tape in explore")
def feature(slug: str, body: FeatureIn, who: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """Instance admins only."""
    user = who.principal.user
    if user is None or not user["is_admin"]:
        raise Forbidden("Only an instance admin features tapes.")
    return service.set_featured(rt, slug, body.featured)


def visitor(rt: Runtime, request: Request, principal: Any = None) -> service.Visitor:
    """The caller as view counting and organization tapes need it: an API credential, or
    the logged-in person of a page (`principal`)."""
    if principal is None and credential(request) is not None:
        principal = authenticate(rt, request)
    in_org = None
    if principal is not None:
        manager = Manager(principal)
        in_org = lambda org_rowid: manager.can_read(rt, org_rowid)  # noqa: E731
    return service.Visitor(
        address=request.client.host if request.client else "unknown",
        user_agent=request.headers.get("user-agent", ""),
        in_org=in_org,
    )


def cached(request: Request, tape: Any, respond: Callable[[], Response]) -> Response:
    """Revalidated on every use (an unpublished tape must vanish): 304 when unchanged, without
    reading the copy; else `respond()` with the validators."""
    tag = f'"{tape["etag"]}"'
    scope = "public" if tape["visibility"] != "organization" else "private"
    headers = {"ETag": tag, "Cache-Control": f"{scope}, no-cache"}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response = respond()
    response.headers.update(headers)
    return response
