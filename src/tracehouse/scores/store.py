"""SQL for reading scores: the filtered list (on ClickHouse when it holds the project's
traces, `store/clickhouse/lists.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from tracehouse.clock import to_us
from tracehouse.http.pagination import PageParams, paginate
from tracehouse.scores.schemas import ScoreFilters
from tracehouse.store.clickhouse import dispatch, lists
from tracehouse.store.tables import scores

#: The filters compared for equality.
EQUAL = ("trace_id", "observation_id", "session_id", "name", "source", "data_type")


def list_scores(
    conn: Connection, project_rowid: int, filters: ScoreFilters, page: PageParams
) -> tuple[list[Any], int]:
    """A page of the project's scores matching `filters`, and how many match."""
    if (ch := dispatch.of(conn)) is not None:
        return lists.scores(ch, project_rowid, filters, page)
    s = scores.c
    conditions = [s.project_rowid == project_rowid]
    for field in EQUAL:
        value = getattr(filters, field)
        if value is not None:
            conditions.append(s[field] == (value.upper() if field == "data_type" else value))
    if filters.from_time:
        conditions.append(s.timestamp >= to_us(filters.from_time))
    if filters.to_time:
        conditions.append(s.timestamp < to_us(filters.to_time))
    keys = [s.timestamp, s.score_rowid]
    rows = list(conn.execute(paginate(select(scores).where(*conditions), keys, page)).mappings())
    total = conn.execute(select(func.count()).select_from(scores).where(*conditions)).scalar_one()
    return rows, int(total)
