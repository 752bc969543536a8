"""Monitors: online evaluators. Each pass takes the matching traces the monitor has not
decided on yet, samples them at its rate (by a hash of the trace id, so every process decides
alike), records a claim for each (picked or sampled out; the primary key (monitor, trace)
makes each decision happen once) and queues one run for the picked ones. Test-key traces and
judge traces are never picked.

Which traces a pass reads: those past the watermark (the highest trace_rowid read so far), and
those below it that arrived within the lookback (`monitor_lookback_seconds` before the delay).
The watermark alone would miss a trace whose transaction committed after later ones had been
read (PostgreSQL hands out rowids at insert, not at commit); the lookback reads it again, and
the claims keep it, and every other trace, to one evaluation."""

from __future__ import annotations

import hashlib
from typing import Any

import pydantic

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import NotFound, ValidationFailed
from tracehouse.evaluations import monitor_store as store
from tracehouse.evaluations import store as run_store
from tracehouse.evaluations.schemas import MonitorIn, MonitorPatch
from tracehouse.evaluators import service as evaluators
from tracehouse.evaluators.judge import JUDGE_ENVIRONMENT
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters

SCAN_LIMIT = 200


def sampled(monitor_id: str, trace_id: str, rate: float) -> bool:
    digest = hashlib.sha256(f"{monitor_id}:{trace_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def _filters(raw: dict[str, Any] | None) -> TraceFilters:
    try:
        return TraceFilters.model_validate(raw or {})
    except pydantic.ValidationError as exc:
        details = [
            {"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()
        ]
        raise ValidationFailed("Invalid monitor filter.", details) from exc


def render(row: Any, claimed: int | None = None) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "name": row["name"],
        "evaluator_ids": jsontext.loads(row["evaluator_ids"]),
        "filter": jsontext.loads(row["filter"]) or {},
        "sampling_rate": row["sampling_rate"],
        "enabled": row["enabled"],
        "delay_seconds": row["delay_seconds"],
        "last_run_at": iso(row["last_run_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
    if claimed is not None:
        body["traces_claimed"] = claimed
    return body


RESOURCE = Resource("monitor", store.MONITORS, render)


def require(rt: Runtime, project_rowid: int, ref: str) -> Any:
    return RESOURCE.require(rt, project_rowid, ref)


def get(rt: Runtime, scope: ProjectScope, ref: str) -> dict[str, Any]:
    row = require(rt, scope.project_rowid, ref)
    with rt.db.reader.connect() as conn:
        return render(row, store.claimed_count(conn, row["monitor_rowid"]))


def _checked(rt: Runtime, scope: ProjectScope, fields: dict[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    if "filter" in values:
        _filters(values["filter"])
        values["filter"] = jsontext.dumps(values["filter"] or {})
    if "evaluator_ids" in values:
        found = evaluators.require_all(rt, scope.project_rowid, values["evaluator_ids"])
        values["evaluator_ids"] = jsontext.dumps([e["id"] for e in found])
    return values


def create(rt: Runtime, scope: ProjectScope, body: MonitorIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    values = _checked(rt, scope, body.model_dump())
    values.update(id=new_id(), project_rowid=scope.project_rowid, created_at=now, updated_at=now)
    with rt.db.writer.begin() as conn:
        # start past the traces already stored: a monitor watches what arrives from now on
        values["watermark"] = store.max_trace_rowid(conn, scope.project_rowid)
        RESOURCE.insert(conn, values)
    return get(rt, scope, values["id"])


def update(rt: Runtime, scope: ProjectScope, ref: str, body: MonitorPatch) -> dict[str, Any]:
    scope.require_write()
    row = require(rt, scope.project_rowid, ref)
    values = _checked(rt, scope, body.model_dump(exclude_unset=True))
    values["updated_at"] = now_us()
    RESOURCE.update(rt, row, values)
    return get(rt, scope, row["id"])


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, require(rt, scope.project_rowid, ref))


def list_monitors(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid)


def _queue_run(conn: Any, monitor: Any, run_id: str, trace_ids: list[str], now: int) -> None:
    run_store.insert_run(
        conn,
        {
            "id": run_id,
            "project_rowid": monitor["project_rowid"],
            "monitor_id": monitor["id"],
            "target_type": "trace",
            "target_ids": jsontext.dumps(trace_ids),
            "evaluator_ids": monitor["evaluator_ids"],
            "status": "queued",
            "created_at": now,
        },
    )


def scan(rt: Runtime, project_rowid: int, ref: str, *, manual: bool = False) -> dict[str, Any]:
    """One pass of a monitor; returns the queued run id (or None) and what was claimed.

    The claims decide: a trace is evaluated only by the pass whose claim inserted its row.
    The monitor row is also locked for the pass (PostgreSQL), so passes of one monitor take
    turns instead of racing for the same claims."""
    now = now_us()
    with rt.db.writer.begin() as conn:
        monitor = store.MONITORS.find(conn, project_rowid, ref, lock=True)
        if monitor is None:
            raise NotFound(f"No monitor {ref!r}.")
        until = now - (0 if manual else int(monitor["delay_seconds"] * 1_000_000))
        since = until - int(rt.settings.monitor_lookback_seconds * 1_000_000)
        rows = store.candidates(
            conn,
            monitor,
            _filters(jsontext.loads(monitor["filter"])),
            (since, until),
            JUDGE_ENVIRONMENT,
            SCAN_LIMIT,
        )
        rate = monitor["sampling_rate"]
        picks: list[str] = []
        skipped: list[str] = []
        for row in rows:
            (picks if sampled(monitor["id"], row["id"], rate) else skipped).append(row["id"])
        run_id = new_id()
        claimed = store.claim(conn, monitor["monitor_rowid"], picks, run_id, now)
        store.claim(conn, monitor["monitor_rowid"], skipped, None, now)
        watermark = max([monitor["watermark"], *(r["trace_rowid"] for r in rows)])
        store.MONITORS.update(
            conn, monitor["monitor_rowid"], {"watermark": watermark, "last_run_at": now}
        )
        if claimed:
            _queue_run(conn, monitor, run_id, claimed, now)
    return {
        "run_id": run_id if claimed else None,
        "traces_considered": len(rows),
        "traces_claimed": len(claimed),
    }


def scan_all(rt: Runtime) -> int:
    """One pass of every enabled monitor; returns how many traces were claimed."""
    with rt.db.reader.connect() as conn:
        monitors = store.enabled(conn)
    return sum(scan(rt, m["project_rowid"], m["id"])["traces_claimed"] for m in monitors)
