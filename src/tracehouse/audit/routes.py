"""`/api/v1/audit-logs`: an organization's audit entries, paged or exported (admins only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tracehouse.audit import export, service, store
from tracehouse.clock import iso, to_us
from tracehouse.errors import Forbidden, NotFound, RateLimited, Unauthorized, ValidationFailed
from tracehouse.http.auth import Manager, ManagerDep, RuntimeDep
from tracehouse.http.bounds import Time
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery, page_body
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime

router = APIRouter(prefix="/api/v1/audit-logs", tags=["audit"])
_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited)
MAX_EXPORT = 10_000

OrgQuery = Annotated[
    str | None, Query(description="Organization id; default: the first one you administer.")
]
FromQuery = Annotated[Time | None, Query(alias="from", description="Entries at or after.")]
ToQuery = Annotated[Time | None, Query(description="Entries at or before.")]


@router.get("", responses=_ERRORS, summary="List audit entries")
def list_entries(
    manager: ManagerDep,
    rt: RuntimeDep,
    page: PageQuery,
    org_id: OrgQuery = None,
    from_: FromQuery = None,
    to: ToQuery = None,
    action: str | None = None,
    actor: str | None = None,
    project_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> dict[str, Any]:
    """Newest first; filter by time, action, actor, project or target."""
    filters = {
        **_window(from_, to),
        "action": action,
        "actor": actor,
        "project_id": project_id,
        "target_type": target_type,
        "target_id": target_id,
    }
    with rt.db.reader.connect() as conn:
        org = audited_org(conn, manager, rt, org_id)
        rows, total = store.page(conn, org["org_rowid"], filters, page)
    return page_body(
        rows, page, total, lambda r: export.render(r, org["id"]), lambda r: [r["entry_rowid"]]
    )


@router.get(
    "/export",
    responses={**_ERRORS, 200: {"content": {"application/json": {}, "text/csv": {}}}},
    summary="Export audit entries (JSON or CSV, streamed)",
)
def export_entries(
    manager: ManagerDep,
    rt: RuntimeDep,
    org_id: OrgQuery = None,
    from_: FromQuery = None,
    to: ToQuery = None,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv.")] = "json",
    limit: Annotated[int, Query(ge=1, le=MAX_EXPORT, description="At most 10,000.")] = MAX_EXPORT,
) -> StreamingResponse:
    """Up to `limit` entries, newest first, between `from` and `to`."""
    filters = _window(from_, to)
    with rt.db.writer.begin() as conn:
        org = audited_org(conn, manager, rt, org_id)
        shown = {
            "format": format,
            "limit": limit,
            "from": iso(filters["from"]),
            "to": iso(filters["to"]),
        }
        target = ("organization", org["id"])
        service.record(conn, "audit_log.export", target, org_rowid=org["org_rowid"], after=shown)
    entries = _stream(rt, org, filters, limit)
    if format == "csv":
        return StreamingResponse(
            export.csv_chunks(entries),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
    return StreamingResponse(export.json_chunks(entries), media_type="application/json")


def _stream(rt: Runtime, org: Any, filters: dict[str, Any], limit: int) -> Iterator[dict[str, Any]]:
    with rt.db.reader.connect() as conn:
        for row in store.newest(conn, org["org_rowid"], filters, limit):
            yield export.render(row, org["id"])


def _window(start: Any, end: Any) -> dict[str, Any]:
    window = {"from": to_us(start), "to": to_us(end)}
    if window["from"] is not None and window["to"] is not None and window["from"] > window["to"]:
        raise ValidationFailed(
            "`from` is after `to`.", [{"field": "from", "message": "must not be after `to`"}]
        )
    return window


def audited_org(conn: Any, manager: Manager, rt: Runtime, org_id: str | None) -> Any:
    """The organization whose log the caller reads: 404 if not theirs, 403 unless admin."""
    if org_id is None:
        return _default_org(conn, manager, rt)
    org = project_store.find_org(conn, org_id=org_id)
    if org is None or not manager.can_read(rt, org["org_rowid"]):
        raise NotFound(f"No organization {org_id!r}.")
    if not manager.can_manage(rt, org["org_rowid"]):
        raise Forbidden("The audit log is for organization owners and admins.")
    return org


def _default_org(conn: Any, manager: Manager, rt: Runtime) -> Any:
    key, user = manager.principal.key, manager.principal.user
    if key is not None:
        return project_store.org_by_rowid(conn, key["org_rowid"])
    orgs = project_store.orgs_of_user(conn, None if user["is_admin"] else user["user_rowid"])
    for org in orgs:
        if manager.can_manage(rt, org["org_rowid"]):
            return org
    raise Forbidden("The audit log is for organization owners and admins.")
