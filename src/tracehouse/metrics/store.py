"""SQL of the metrics: upsert data points, list them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.tables import metric_points
from tracehouse.store.upsert import upsert

_p = metric_points.c


def write_points(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows; a retried export (same `point_id`) replaces its rows."""
    upsert(conn, metric_points, rows, ("project_rowid", "point_id"))


def list_points(
    conn: Connection, conditions: list[ColumnElement[bool]], page: PageParams
) -> tuple[list[Any], int]:
    """A page of points (newest first) and how many match."""
    query = paginate(
        select(metric_points).where(*conditions), [_p.time, _p.metric_point_rowid], page
    )
    rows = list(conn.execute(query).mappings())
    total = conn.execute(select(func.count()).select_from(metric_points).where(*conditions))
    return rows, int(total.scalar_one())
