"""Checking a CI run's gates: its traces (those linked, and those that name the run in their
metadata) against thresholds, absolute or against a baseline run (by default the last passed
run on the default branch); the verdict lists every gate, the dataset items that regressed and
the experiments the run produced, and is kept on the run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters
from tracehouse.vcs import store
from tracehouse.vcs.gates import evaluate
from tracehouse.vcs.schemas import CheckIn
from tracehouse.versions import store as version_store
from tracehouse.versions.figures import Side, compare, summary
from tracehouse.versions.service import side

ADOPT_SLACK_US = 3_600_000_000  # traces may arrive up to an hour before the run was recorded
MAX_REGRESSED = 100


def check(rt: Runtime, scope: ProjectScope, run_id: str, body: CheckIn) -> dict[str, Any]:
    """Evaluate the gates (nothing is written when one names an unknown score or baseline),
    keep the verdict on the run, and with `finish` set its status to passed or failed."""
    scope.require_write()
    with rt.db.reader.connect() as conn:
        run = _own(conn, scope, run_id)
        _check_scores(conn, scope, body)
        baseline = _baseline(conn, scope, run, body)
    with rt.db.writer.begin() as conn:
        _adopt(conn, scope, run)
    with rt.db.reader.connect() as conn:
        verdict = _verdict(conn, scope, run, baseline, body)
    values: dict[str, Any] = {"verdict": jsontext.dumps(verdict), "updated_at": now_us()}
    if body.finish:
        values["status"] = "passed" if verdict["passed"] else "failed"
        values["ended_at"] = run["ended_at"] or now_us()
    with rt.db.writer.begin() as conn:
        store.update_ci_run(conn, run["ci_run_rowid"], values)
    return verdict


def _own(conn: Connection, scope: ProjectScope, run_id: str) -> Any:
    run = store.find_ci_run(conn, scope.project_rowid, run_id)
    if run is None:
        raise NotFound(f"No CI run {run_id!r} in this project.")
    return run


def _check_scores(conn: Connection, scope: ProjectScope, body: CheckIn) -> None:
    wanted = {g.metric[6:] for g in body.gates if g.metric.startswith("score:")}
    unknown = sorted(wanted - version_store.score_names(conn, scope.project_rowid))
    if unknown:
        message = f"No score {unknown[0]!r} in this project: a gate cannot check it."
        raise InvalidRequest(message, {"field": "gates", "unknown_scores": unknown})


def _baseline(conn: Connection, scope: ProjectScope, run: Any, body: CheckIn) -> Any:
    if body.baseline_run_id:
        found = store.find_ci_run(conn, scope.project_rowid, body.baseline_run_id)
        if found is None:
            message = f"No CI run {body.baseline_run_id!r} in this project."
            raise NotFound(message, {"field": "baseline_run_id"})
        return found
    return store.last_passed_run(
        conn, scope.project_rowid, body.default_branch, run["pipeline"], run["id"]
    )


def _adopt(conn: Connection, scope: ProjectScope, run: Any) -> None:
    """Link the traces that name the run in their metadata."""
    since = run["created_at"] - ADOPT_SLACK_US
    found = store.tagged_traces(conn, scope.project_rowid, run["id"], since)
    rows = [{"ci_run_rowid": run["ci_run_rowid"], "project_rowid": scope.project_rowid,
             "trace_id": trace_id} for trace_id in found]  # fmt: skip
    store.add_ci_traces(conn, rows)


def _verdict(
    conn: Connection, scope: ProjectScope, run: Any, baseline: Any, body: CheckIn
) -> dict[str, Any]:
    mine = side(conn, scope.project_rowid, TraceFilters(ci_run=run["id"]))
    base = (
        side(conn, scope.project_rowid, TraceFilters(ci_run=baseline["id"])) if baseline else None
    )
    figures, base_figures = summary(mine), summary(base) if base else {}
    compared = {m["metric"]: m for m in compare(base, mine, 0)} if base else {}
    gates = [
        evaluate(g, figures.get(g.metric), base_figures.get(g.metric), compared.get(g.metric))
        for g in body.gates
    ]
    items = _items(conn, scope, mine, base)
    metrics = {g.metric for g in body.gates}
    return {
        "passed": all(g["passed"] for g in gates),
        "checked_at": iso(now_us()),
        "baseline_run_id": baseline["id"] if baseline else None,
        "traces": len(mine.rows),
        "baseline_traces": len(base.rows) if base else None,
        "gates": gates,
        "regressed": _regressed(items, mine, base, metrics) if base else [],
        "experiments": [
            {"id": i, "name": n} for i, n in sorted({(r[2], r[3]) for r in items["mine"]})
        ],
    }


def _items(
    conn: Connection, scope: ProjectScope, mine: Side, base: Side | None
) -> dict[str, list[Any]]:
    out = {"mine": store.run_items(conn, scope.project_rowid, [r[0] for r in mine.rows])}
    if base is not None:
        out["base"] = store.run_items(conn, scope.project_rowid, [r[0] for r in base.rows])
    return out


def _regressed(
    items: dict[str, list[Any]], mine: Side, base: Side, metrics: set[str]
) -> list[dict[str, Any]]:
    """Dataset items that fail now and did not, or whose gated score fell, in the baseline."""
    now = {r[1]: r[0] for r in items["mine"]}  # trace -> dataset item
    before = {r[1]: r[0] for r in items.get("base", [])}
    item_before = {item: trace for trace, item in before.items()}
    out: list[dict[str, Any]] = []
    failed_now = {r[0] for r in mine.rows if r[2] == "error"}
    failed_before = {r[0] for r in base.rows if r[2] == "error"}
    for trace_id, item in sorted(now.items(), key=lambda kv: kv[1]):
        old = item_before.get(item)
        if old is None:
            continue
        if trace_id in failed_now and old not in failed_before:
            out.append(_item(item, "error_rate", 0.0, 1.0, old, trace_id))
        for metric in sorted(m for m in metrics if m.startswith("score:")):
            new_value = _per_trace(mine, metric[6:]).get(trace_id)
            old_value = _per_trace(base, metric[6:]).get(old)
            if new_value is not None and old_value is not None and new_value < old_value:
                out.append(_item(item, metric, old_value, new_value, old, trace_id))
    return out[:MAX_REGRESSED]


def _per_trace(found: Side, score: str) -> dict[str, float]:
    """Each trace's mean value of the score."""
    values: dict[str, list[float]] = defaultdict(list)
    for value, trace_id in found.scores.get(score, []):
        values[trace_id].append(value)
    return {trace_id: sum(v) / len(v) for trace_id, v in values.items()}


def _item(item: str, metric: str, before: float, now: float, old: str, new: str) -> dict[str, Any]:
    return {"dataset_item_id": item, "metric": metric, "baseline_value": before, "value": now,
            "baseline_trace_id": old, "trace_id": new,
            "diff_url": f"/api/v1/traces/{old}/diff/{new}"}  # fmt: skip
