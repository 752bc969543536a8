"""Scores and feedback: write through the ingest pipeline, read with filters."""

from __future__ import annotations

from typing import Any

from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.ids import new_id
from tracehouse.ingest.decoders.native import ScoreIn
from tracehouse.ingest.service import ingest
from tracehouse.records import Batch, ScoreRecord
from tracehouse.runtime import Runtime
from tracehouse.scores import store
from tracehouse.scores.schemas import FeedbackIn, ScoreFilters
from tracehouse.traces import render
from tracehouse.traces import store as trace_store


async def create_scores(
    rt: Runtime, scope: ProjectScope, items: list[ScoreIn], author: str | None = None
) -> list[str]:
    records = [item.record(author) for item in items]
    fill_trace_ids(rt, scope, records)
    await ingest(rt, scope, Batch(scores=records))
    return [r.id for r in records]


def fill_trace_ids(rt: Runtime, scope: ProjectScope, records: list[ScoreRecord]) -> None:
    """A score on an observation also belongs to the observation's trace."""
    missing = {r.observation_id for r in records if r.observation_id and not r.trace_id}
    if not missing:
        return
    with rt.db.reader.connect() as conn:
        found = trace_store.traces_of_observations(conn, scope.project_rowid, missing)
    for record in records:
        if record.observation_id and not record.trace_id:
            record.trace_id = found.get(record.observation_id)


def list_scores(
    rt: Runtime, scope: ProjectScope, filters: ScoreFilters, page: PageParams
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_scores(conn, scope.project_rowid, filters, page)
    return page_body(rows, page, total, render.score, lambda r: (r["timestamp"], r["score_rowid"]))


def require_node(
    rt: Runtime, scope: ProjectScope, trace_id: str, observation_id: str | None
) -> None:
    """The trace exists in the project, and so does the observation, in that trace."""
    _require_trace(rt, scope, trace_id)
    if observation_id is None:
        return
    with rt.db.reader.connect() as conn:
        found = trace_store.traces_of_observations(conn, scope.project_rowid, [observation_id])
    if found.get(observation_id) != trace_id:
        raise NotFound(f"No observation {observation_id!r} in trace {trace_id!r}.")


def node_scores(
    rt: Runtime, scope: ProjectScope, trace_id: str, observation_id: str
) -> list[dict[str, Any]]:
    """The scores given to one observation of a trace."""
    with rt.db.reader.connect() as conn:
        rows = trace_store.trace_scores(conn, scope.project_rowid, trace_id)
    return [render.score(r) for r in rows if r["observation_id"] == observation_id]


def _require_trace(rt: Runtime, scope: ProjectScope, trace_id: str) -> None:
    with rt.db.reader.connect() as conn:
        if trace_store.get_trace(conn, scope.project_rowid, trace_id) is None:
            raise NotFound(f"No trace {trace_id!r}.")


async def add_feedback(
    rt: Runtime, scope: ProjectScope, trace_id: str, body: FeedbackIn
) -> dict[str, Any]:
    _require_trace(rt, scope, trace_id)
    record = ScoreRecord(
        id=body.id or new_id(),
        name="feedback",
        data_type="NUMERIC",
        value=float(body.value),
        source="feedback",
        trace_id=trace_id,
        comment=body.comment,
        author=body.user_id,
    )
    await ingest(rt, scope, Batch(scores=[record]))
    return {"id": record.id, "trace_id": trace_id, "value": body.value, "comment": body.comment}


def list_feedback(rt: Runtime, scope: ProjectScope, trace_id: str) -> dict[str, Any]:
    _require_trace(rt, scope, trace_id)
    with rt.db.reader.connect() as conn:
        rows = trace_store.trace_scores(conn, scope.project_rowid, trace_id)
    feedback = [render.score(r) for r in rows if r["source"] == "feedback"]
    return {
        "data": feedback,
        "summary": {
            "up": sum(1 for f in feedback if (f["numeric_value"] or 0) > 0),
            "down": sum(1 for f in feedback if (f["numeric_value"] or 0) < 0),
        },
    }
