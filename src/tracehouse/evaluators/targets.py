"""What an evaluator looks at: a trace, an observation, a session (its traces in order) or each
item of a dataset run (its trace, with the item's expected output)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tracehouse import jsontext
from tracehouse.errors import NotFound
from tracehouse.evaluators import store

KINDS = ("trace", "observation", "session", "dataset_run")


@dataclass
class Target:
    """One thing to score, where its score goes, and the fields templates and rules read."""

    kind: str  # trace | observation | session
    id: str
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    is_test: bool = False
    fields: dict[str, Any] = field(default_factory=dict)


def _trace_fields(row: Any) -> dict[str, Any]:
    return {
        "name": row["name"],
        "input": jsontext.loads(row["input"]),
        "output": jsontext.loads(row["output"]),
        "metadata": jsontext.loads(row["metadata"]) or {},
        "latency_ms": row["latency_ms"],
        "cost": row["cost"],
        "total_tokens": row["total_tokens"],
        "status": row["status"],
    }


def _observation_fields(row: Any) -> dict[str, Any]:
    start, end = row["start_time"], row["end_time"]
    cost = row["reported_total_cost"]
    return {
        "name": row["name"],
        "input": jsontext.loads(row["input"]),
        "output": jsontext.loads(row["output"]),
        "metadata": jsontext.loads(row["metadata"]) or {},
        "latency_ms": (end - start) / 1000 if end is not None else None,
        "cost": cost if cost is not None else row["computed_total_cost"],
        "model": row["model"],
        "status": row["level"],
    }


def _session(rows: list[Any], session_id: str) -> Target:
    fields = {
        "input": jsontext.loads(rows[0]["input"]),
        "output": jsontext.loads(rows[-1]["output"]),
        "transcript": [
            {"input": jsontext.loads(r["input"]), "output": jsontext.loads(r["output"])}
            for r in rows
        ],
        "metadata": {},
        "latency_ms": sum(r["latency_ms"] or 0 for r in rows),
        "cost": sum(r["cost"] or 0 for r in rows),
        "total_tokens": sum(r["total_tokens"] or 0 for r in rows),
    }
    return Target(
        "session", session_id, session_id=session_id, is_test=rows[0]["is_test"], fields=fields
    )


def _trace_target(conn: Connection, project_rowid: int, trace_id: str) -> Target:
    row = store.trace(conn, project_rowid, trace_id)
    if row is None:
        raise NotFound(f"No trace {trace_id!r}.")
    return Target(
        "trace", trace_id, trace_id=trace_id, is_test=row["is_test"], fields=_trace_fields(row)
    )


def _dataset_run(conn: Connection, project_rowid: int, run_id: str) -> list[Target]:
    rows = store.dataset_run_rows(conn, project_rowid, run_id)
    if rows is None:
        raise NotFound(f"No dataset run {run_id!r}.")
    out = []
    for item in rows:
        if item["trace_id"] is None:
            continue
        target = _trace_target(conn, project_rowid, item["trace_id"])
        target.fields["expected_output"] = jsontext.loads(item["expected_output"])
        target.fields["dataset_item_id"] = item["dataset_item_id"]
        out.append(target)
    return out


def resolve(conn: Connection, project_rowid: int, kind: str, target_id: str) -> list[Target]:
    """The targets named by (kind, id); 404 when the thing does not exist."""
    if kind == "trace":
        return [_trace_target(conn, project_rowid, target_id)]
    if kind == "observation":
        row = store.observation(conn, project_rowid, target_id)
        if row is None:
            raise NotFound(f"No observation {target_id!r}.")
        fields = _observation_fields(row)
        return [
            Target(
                "observation",
                target_id,
                trace_id=row["trace_id"],
                observation_id=target_id,
                is_test=row["is_test"],
                fields=fields,
            )
        ]
    if kind == "session":
        rows = store.session_traces(conn, project_rowid, target_id)
        if not rows:
            raise NotFound(f"No session {target_id!r}.")
        return [_session(rows, target_id)]
    return _dataset_run(conn, project_rowid, target_id)
