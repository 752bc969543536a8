"""Evaluation runs: every evaluator on every target, queued (202) and served by the worker,
or executed at once; each result is kept with the run, each score links back to it."""

from __future__ import annotations

import os
import socket
from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import NotFound
from tracehouse.evaluations import store
from tracehouse.evaluators import service as evaluators
from tracehouse.evaluators.engine import Result, evaluate
from tracehouse.evaluators.store import EVALUATORS
from tracehouse.evaluators.targets import resolve
from tracehouse.http.auth import Principal, ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.ids import new_id
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime

WORKER = f"{socket.gethostname()}:{os.getpid()}"


def create_run(
    rt: Runtime,
    scope: ProjectScope,
    target_type: str,
    target_ids: list[str],
    evaluator_ids: list[str],
    *,
    evaluation_id: str | None = None,
    monitor_id: str | None = None,
    status: str = "queued",
) -> Any:
    """Store a run (evaluators must exist: 404 otherwise) and return its row."""
    found = evaluators.require_all(rt, scope.project_rowid, evaluator_ids)
    values: dict[str, Any] = {
        "id": new_id(),
        "project_rowid": scope.project_rowid,
        "evaluation_id": evaluation_id,
        "monitor_id": monitor_id,
        "target_type": target_type,
        "target_ids": jsontext.dumps(list(dict.fromkeys(target_ids))),
        "evaluator_ids": jsontext.dumps([e["id"] for e in found]),
        "status": status,
        "is_test": scope.is_test,
        "created_at": now_us(),
    }
    if status == "running":
        values.update(claimed_by=WORKER, started_at=values["created_at"], attempts=1)
    with rt.db.writer.begin() as conn:
        store.insert_run(conn, values)
        return store.find_run(conn, values["id"])


def scope_of(rt: Runtime, run: Any) -> ProjectScope:
    """The project scope a run acts in (the worker has no request)."""
    with rt.db.reader.connect() as conn:
        project = project_store.find_project(conn, project_rowid=run["project_rowid"])
    return ProjectScope(
        project_rowid=project["project_rowid"],
        project_id=project["id"],
        org_rowid=project["org_rowid"],
        access="write",
        is_test=bool(run["is_test"]),
        principal=Principal(),
    )


async def _evaluate_target(
    rt: Runtime, scope: ProjectScope, run: Any, found: list[Any], target_id: str
) -> list[Result]:
    try:
        with rt.db.reader.connect() as conn:
            targets = resolve(conn, scope.project_rowid, run["target_type"], target_id)
    except NotFound as exc:
        kind = run["target_type"]
        return [Result(e["id"], kind, target_id, "error", error=exc.message) for e in found]
    return [
        await evaluate(rt, scope, evaluator, target, run["id"])
        for target in targets
        for evaluator in found
    ]


def _outcome(results: list[Result]) -> tuple[str, str | None, dict[str, Any]]:
    errors = [r for r in results if r.status == "error"]
    summary = {
        "results": len(results),
        "succeeded": sum(1 for r in results if r.status == "ok"),
        "queued_for_annotation": sum(1 for r in results if r.status == "queued"),
        "failed": len(errors),
        "judge_cost": sum(r.cost or 0.0 for r in results),
    }
    if not results:
        return "succeeded", None, summary
    if len(errors) == len(results):
        return "failed", errors[0].error, summary
    return ("partial" if errors else "succeeded"), (errors[0].error if errors else None), summary


async def process(rt: Runtime, run: Any) -> None:
    """Run every evaluator on every target of a claimed run and record the outcome."""
    scope = scope_of(rt, run)
    try:
        with rt.db.reader.connect() as conn:
            found = [
                r
                for ref in jsontext.loads(run["evaluator_ids"])
                if (r := EVALUATORS.find(conn, scope.project_rowid, ref)) is not None
            ]
        results: list[Result] = []
        for target_id in jsontext.loads(run["target_ids"]):
            results += await _evaluate_target(rt, scope, run, found, target_id)
        status, error, summary = _outcome(results)
    except Exception as exc:  # record, never lose, a run that broke
        results, status, error, summary = [], "failed", f"{type(exc).__name__}: {exc}", {}
    now = now_us()
    rows = [{**vars(r), "run_rowid": run["run_rowid"], "created_at": now} for r in results]
    with rt.db.writer.begin() as conn:
        store.insert_results(conn, rows)
        store.finish_run(
            conn,
            run["run_rowid"],
            {
                "status": status,
                "error": error,
                "summary": jsontext.dumps(summary),
                "finished_at": now,
            },
        )


async def serve_queue(rt: Runtime, limit: int = 20) -> int:
    """Claim and process queued runs (at most `limit`); returns how many ran."""
    done = 0
    while done < limit:
        with rt.db.writer.begin() as conn:
            run = store.claim_next(conn, WORKER, now_us())
        if run is None:
            break
        await process(rt, run)
        done += 1
    return done


def render_result(row: Any) -> dict[str, Any]:
    keys = ("evaluator_id", "target_type", "target_id", "status", "score_id", "value")
    more = ("string_value", "reasoning", "judge_trace_id", "cost", "error")
    return {k: row[k] for k in keys + more}


def render(row: Any, results: list[Any] | None = None) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "status": row["status"],
        "target_type": row["target_type"],
        "target_ids": jsontext.loads(row["target_ids"]),
        "evaluator_ids": jsontext.loads(row["evaluator_ids"]),
        "evaluation_id": row["evaluation_id"],
        "monitor_id": row["monitor_id"],
        "error": row["error"],
        "summary": jsontext.loads(row["summary"]),
        "created_at": iso(row["created_at"]),
        "started_at": iso(row["started_at"]),
        "finished_at": iso(row["finished_at"]),
    }
    if results is not None:
        body["results"] = [render_result(r) for r in results]
    return body


def get_run(rt: Runtime, scope: ProjectScope, run_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = store.find_run(conn, run_id, scope.project_rowid)
        if row is None:
            raise NotFound(f"No evaluation run {run_id!r}.")
        return render(row, store.results(conn, row["run_rowid"]))


#: Targets too big to evaluate during a request (a dataset run has many items, each maybe an
#: LLM call): `execute` queues them for the worker instead.
QUEUED_KINDS = frozenset({"dataset_run"})


async def execute_now(
    rt: Runtime, scope: ProjectScope, evaluator_ref: str, target_type: str, target_id: str
) -> dict[str, Any]:
    """`POST /evaluators/{id}/execute`: a run processed during the request, or, for a dataset
    run, queued (status `queued`: read it later at `/evaluations/runs/{id}`)."""
    scope.require_write()
    with rt.db.reader.connect() as conn:  # 404 before any run is stored
        resolve(conn, scope.project_rowid, target_type, target_id)
    queued = target_type in QUEUED_KINDS
    run = create_run(
        rt,
        scope,
        target_type,
        [target_id],
        [evaluator_ref],
        status="queued" if queued else "running",
    )
    if queued:
        rt.evaluation_wakeup.set()
    else:
        await process(rt, run)
    return get_run(rt, scope, run["id"])


def list_runs(
    rt: Runtime,
    scope: ProjectScope,
    page: PageParams,
    evaluator_id: str | None = None,
    **equal: str | None,
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_runs(conn, scope.project_rowid, page, evaluator_id, **equal)
    return page_body(rows, page, total, render, lambda r: (r["created_at"], r["run_rowid"]))
