"""Where a skill version was used: traces and observations whose metadata names it under
`tracehouse.skill` (`"name@version"`, or a list of such), with their cost and scores. Counted in
the caller's project."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select, union

from tracehouse.prompts.store import tag_pattern
from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import observations, scores, traces

#: The metadata key (and OTel attribute) that links a run to the skill version it loaded.
SKILL_KEY = "tracehouse.skill"


def reference(name: str, version: int) -> str:
    return f"{name}@{version}"


def _linked(project_rowid: int, ref: str) -> Select[Any]:
    """Ids of the project's traces that used `ref`, themselves or in an observation."""
    key, named = tag_pattern(SKILL_KEY), tag_pattern(ref)
    t, o = traces.c, observations.c
    own = select(t.id.label("trace_id")).where(
        t.project_rowid == project_rowid,
        t.metadata.like(key, escape="\\"),
        t.metadata.like(named, escape="\\"),
    )
    inner = select(o.trace_id.label("trace_id")).where(
        o.project_rowid == project_rowid,
        o.metadata.like(key, escape="\\"),
        o.metadata.like(named, escape="\\"),
    )
    return select(union(own, inner).subquery().c.trace_id)


def usage(conn: Connection, project_rowid: int, name: str, version: int) -> dict[str, Any]:
    """Traces and observations that used the version, the traces' cost, and their scores."""
    ref = reference(name, version)
    linked = _linked(project_rowid, ref)
    t, o, sc = traces.c, observations.c, scores.c
    totals = select(func.count(), func.coalesce(func.sum(t.cost), 0.0)).where(
        t.project_rowid == project_rowid, t.id.in_(linked)
    )
    count, cost = bridge.read(conn, totals, project_rowid)[0]
    observed = select(func.count()).where(
        o.project_rowid == project_rowid,
        o.metadata.like(tag_pattern(SKILL_KEY), escape="\\"),
        o.metadata.like(tag_pattern(ref), escape="\\"),
    )
    used_in = bridge.read_scalar(conn, observed, project_rowid)
    scored = (
        select(sc.name, func.count(), func.avg(sc.value))
        .where(sc.project_rowid == project_rowid, sc.trace_id.in_(linked))
        .group_by(sc.name)
        .order_by(sc.name)
    )
    rows = bridge.read(conn, scored, project_rowid)
    return {
        "reference": ref,
        "traces": int(count),
        "observations": int(used_in),
        "cost": float(cost),
        "scores": [
            {"name": n, "count": int(c), "average": None if avg is None else float(avg)}
            for n, c, avg in rows
        ],
    }
