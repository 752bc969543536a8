"""Sessions are derived from traces: no table of their own, always consistent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tracehouse.clock import iso
from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.sessions import store
from tracehouse.store import deadline
from tracehouse.traces import render


class SessionFilters(BaseModel):
    user_id: str | None = None
    from_time: datetime | None = Field(None, alias="from")
    to_time: datetime | None = Field(None, alias="to")

    model_config = {"populate_by_name": True}


def _render(row: Any) -> dict[str, Any]:
    first, last = row["first_time"], row["last_time"]
    return {
        "id": row["session_id"],
        "trace_count": row["trace_count"],
        "start_time": iso(first),
        "end_time": iso(last),
        "duration_ms": (last - first) / 1000.0,
        "total_tokens": int(row["total_tokens"] or 0),
        "cost": float(row["cost"] or 0.0),
        "error_count": int(row["error_count"] or 0),
        "user_id": row["user_id"],
    }


@deadline.limited
def list_sessions(
    rt: Runtime, scope: ProjectScope, filters: SessionFilters, page: PageParams
) -> dict[str, Any]:
    """Sessions, most recently active first."""
    with rt.db.reader.connect() as conn:
        rows, total = store.page(conn, scope.project_rowid, filters, page)
    return page_body(rows, page, total, _render, _cursor)


def _cursor(row: Any) -> tuple[Any, Any]:
    return row["last_time"], row["session_id"]


def get_session(rt: Runtime, scope: ProjectScope, session_id: str) -> dict[str, Any]:
    """The session's totals, its traces in order, and scores given to the session."""
    with rt.db.reader.connect() as conn:
        found = store.parts(conn, scope.project_rowid, session_id)
    if found is None:
        raise NotFound(f"No session {session_id!r}.")
    summary, trace_rows, score_rows = found
    return _session(
        summary, [render.trace(r) for r in trace_rows], [render.score(s) for s in score_rows]
    )


def _session(
    summary: Any, trace_list: list[dict[str, Any]], session_scores: list[dict[str, Any]]
) -> dict[str, Any]:
    body = _render(summary)
    body["user_ids"] = sorted({tr["user_id"] for tr in trace_list if tr["user_id"]})
    body["traces"] = trace_list
    body["scores"] = session_scores
    return body
