"""Git links (a commit tied to traces and sessions) and CI runs (owning traces): create, list,
read, update a run; and what a trace belongs to, for its page."""

from __future__ import annotations

import uuid
from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso, now_us, to_us
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.store.tables import ci_runs, git_links
from tracehouse.vcs import store
from tracehouse.vcs.schemas import CiRunIn, CiRunQuery, CiRunUpdate, GitLinkIn, GitLinkQuery


def _check_traces(conn: Any, scope: ProjectScope, ids: list[str]) -> None:
    """Every trace must be one of the project's: nothing is written otherwise."""
    unknown = sorted(set(ids) - store.existing_traces(conn, scope.project_rowid, ids))
    if unknown:
        message = f"No trace {unknown[0]!r} in this project."
        raise NotFound(message, {"field": "trace_ids", "unknown": unknown[:20]})


def create_git_link(rt: Runtime, scope: ProjectScope, body: GitLinkIn) -> dict[str, Any]:
    scope.require_write()
    values: dict[str, Any] = {
        "project_rowid": scope.project_rowid,
        "id": uuid.uuid4().hex,
        "repository_url": body.repository_url.strip(),
        "commit_sha": body.commit_sha.lower(),
        "branch": body.branch,
        "message": body.message,
        "author": body.author,
        "committed_at": to_us(body.committed_at),
        "dirty": body.dirty,
        "uncommitted_changes": jsontext.dumps(body.uncommitted_changes),
        "ci_run_id": body.ci_run_id,
        "created_at": now_us(),
    }
    with rt.db.writer.begin() as conn:
        _check_traces(conn, scope, body.trace_ids)
        if body.ci_run_id and store.find_ci_run(conn, scope.project_rowid, body.ci_run_id) is None:
            raise NotFound(f"No CI run {body.ci_run_id!r} in this project.", {"field": "ci_run_id"})
        rowid = store.insert_git_link(conn, values)
        targets = [("trace", i) for i in body.trace_ids] + [
            ("session", i) for i in body.session_ids
        ]
        store.add_targets(conn, [_target(scope, rowid, kind, i) for kind, i in targets])
        return _with_targets(conn, store.find_git_link(conn, scope.project_rowid, values["id"]))


def _target(scope: ProjectScope, rowid: int, kind: str, target_id: str) -> dict[str, Any]:
    return {
        "git_link_rowid": rowid,
        "project_rowid": scope.project_rowid,
        "kind": kind,
        "target_id": target_id,
    }


def get_git_link(rt: Runtime, scope: ProjectScope, link_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = store.find_git_link(conn, scope.project_rowid, link_id)
        if row is None:
            raise NotFound(f"No git link {link_id!r} in this project.")
        return _with_targets(conn, row)


def list_git_links(
    rt: Runtime, scope: ProjectScope, query: GitLinkQuery, page: PageParams
) -> dict[str, Any]:
    g = git_links.c
    where: list[Any] = []
    if query.repository_url:
        where.append(g.repository_url == query.repository_url)
    if query.branch:
        where.append(g.branch == query.branch)
    if query.commit_sha:
        where.append(g.commit_sha.startswith(query.commit_sha.lower(), autoescape=True))
    if query.trace_id:
        where.append(store.owns_trace(query.trace_id))
    with rt.db.reader.connect() as conn:
        rows, total = store.list_git_links(conn, scope.project_rowid, where, page)
        cursor = lambda r: [r["created_at"], r["git_link_rowid"]]  # noqa: E731
        return page_body(rows, page, total, lambda r: _with_targets(conn, r), cursor)


def _with_targets(conn: Any, row: Any) -> dict[str, Any]:
    found = store.targets(conn, [row["git_link_rowid"]])
    out = render_git_link(row)
    out["trace_ids"] = [t["target_id"] for t in found if t["kind"] == "trace"]
    out["session_ids"] = [t["target_id"] for t in found if t["kind"] == "session"]
    return out


def render_git_link(row: Any) -> dict[str, Any]:
    names = ("id", "repository_url", "commit_sha", "branch", "message", "author", "dirty")
    out: dict[str, Any] = {name: row[name] for name in names}
    out["dirty"] = bool(row["dirty"])
    out["committed_at"] = iso(row["committed_at"])
    out["uncommitted_changes"] = jsontext.loads(row["uncommitted_changes"])
    out["ci_run_id"] = row["ci_run_id"]
    out["created_at"] = iso(row["created_at"])
    return out


def create_ci_run(rt: Runtime, scope: ProjectScope, body: CiRunIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    values: dict[str, Any] = {
        "project_rowid": scope.project_rowid,
        "id": uuid.uuid4().hex,
        "provider": body.provider,
        "pipeline": body.pipeline,
        "job": body.job,
        "external_id": body.run_id,
        "run_url": body.run_url,
        "commit_sha": body.commit_sha.lower() if body.commit_sha else None,
        "branch": body.branch,
        "pull_request": body.pull_request,
        "status": body.status,
        "started_at": to_us(body.started_at) or now,
        "ended_at": to_us(body.ended_at),
        "created_at": now,
        "updated_at": now,
    }
    _check_times(values["started_at"], values["ended_at"])
    with rt.db.writer.begin() as conn:
        _check_traces(conn, scope, body.trace_ids)
        rowid = store.insert_ci_run(conn, values)
        store.add_ci_traces(conn, _run_traces(scope, rowid, body.trace_ids))
        return _run(conn, store.find_ci_run(conn, scope.project_rowid, values["id"]))


def _check_times(started: int | None, ended: int | None) -> None:
    if started is not None and ended is not None and ended < started:
        raise InvalidRequest("`ended_at` is before `started_at`.", {"field": "ended_at"})


def _run_traces(scope: ProjectScope, rowid: int, ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"ci_run_rowid": rowid, "project_rowid": scope.project_rowid, "trace_id": trace_id}
        for trace_id in dict.fromkeys(ids)
    ]


def update_ci_run(
    rt: Runtime, scope: ProjectScope, run_id: str, body: CiRunUpdate
) -> dict[str, Any]:
    """Set the status (a finished status sets `ended_at` when not given) and add traces."""
    scope.require_write()
    now = now_us()
    with rt.db.writer.begin() as conn:
        run = _own_run(conn, scope, run_id)
        values: dict[str, Any] = {"updated_at": now}
        if body.status is not None:
            values["status"] = body.status
            if body.status not in ("queued", "running") and run["ended_at"] is None:
                values["ended_at"] = now
        if body.ended_at is not None:
            values["ended_at"] = to_us(body.ended_at)
        _check_times(run["started_at"], values.get("ended_at"))
        _check_traces(conn, scope, body.trace_ids)
        store.update_ci_run(conn, run["ci_run_rowid"], values)
        store.add_ci_traces(conn, _run_traces(scope, run["ci_run_rowid"], body.trace_ids))
        return _run(conn, _own_run(conn, scope, run_id))


def _own_run(conn: Any, scope: ProjectScope, run_id: str) -> Any:
    run = store.find_ci_run(conn, scope.project_rowid, run_id)
    if run is None:
        raise NotFound(f"No CI run {run_id!r} in this project.")
    return run


def get_ci_run(rt: Runtime, scope: ProjectScope, run_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return _run(conn, _own_run(conn, scope, run_id))


def list_ci_runs(
    rt: Runtime, scope: ProjectScope, query: CiRunQuery, page: PageParams
) -> dict[str, Any]:
    """Newest first."""
    c = ci_runs.c
    where: list[Any] = [c[k] == v for k, v in query.model_dump().items() if v is not None]
    with rt.db.reader.connect() as conn:
        rows, total = store.list_ci_runs(conn, scope.project_rowid, where, page)
    return page_body(
        rows, page, total, render_ci_run, lambda r: [r["created_at"], r["ci_run_rowid"]]
    )


def _run(conn: Any, row: Any) -> dict[str, Any]:
    return {**render_ci_run(row), "trace_ids": store.ci_trace_ids(conn, row["ci_run_rowid"])}


def render_ci_run(row: Any) -> dict[str, Any]:
    names = ("id", "provider", "pipeline", "job", "run_url", "commit_sha", "branch", "status")
    out: dict[str, Any] = {name: row[name] for name in names}
    out["run_id"] = row["external_id"]
    out["pull_request"] = row["pull_request"]
    for name in ("started_at", "ended_at", "created_at", "updated_at"):
        out[name] = iso(row[name])
    out["verdict"] = jsontext.loads(row["verdict"])
    return out


def for_trace(rt: Runtime, scope: ProjectScope, trace: Any) -> dict[str, list[dict[str, Any]]]:
    """The commits and CI runs a trace belongs to (directly, or a commit through its session)."""
    with rt.db.reader.connect() as conn:
        links = store.trace_git_links(conn, scope.project_rowid, trace["id"], trace["session_id"])
        runs = store.trace_ci_runs(conn, scope.project_rowid, trace["id"])
    return {
        "git_links": [render_git_link(r) for r in links],
        "ci_runs": [render_ci_run(r) for r in runs],
    }
