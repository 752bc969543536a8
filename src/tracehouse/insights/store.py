"""SQL of the insights: per-trace samples of a window, the LLM provider of a project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from tracehouse.analytics.store import clickhouse_where
from tracehouse.store.clickhouse import analytics as ch_analytics
from tracehouse.store.tables import llm_providers, traces
from tracehouse.store.upsert import upsert
from tracehouse.traces import filters as trace_filters
from tracehouse.traces.filters import TraceFilters


def samples(conn: Connection, project_rowid: int, filters: TraceFilters) -> list[Sequence[Any]]:
    """The columns (cost, total_tokens, latency_ms, status) of every trace meeting the
    filters."""
    if (found := clickhouse_where(conn, project_rowid, filters)) is not None:
        return ch_analytics.samples(*found)
    t = traces.c
    query = trace_filters.apply(
        select(t.cost, t.total_tokens, t.latency_ms, t.status), project_rowid, filters
    )
    rows = conn.execute(query).all()
    return [[row[i] for row in rows] for i in range(4)]


def get_provider(conn: Connection, project_rowid: int) -> Any:
    query = select(llm_providers).where(llm_providers.c.project_rowid == project_rowid)
    return conn.execute(query).mappings().first()


def put_provider(conn: Connection, row: dict[str, Any]) -> None:
    upsert(conn, llm_providers, [row], ("project_rowid",), replace=tuple(row))


def delete_provider(conn: Connection, project_rowid: int) -> int:
    query = delete(llm_providers).where(llm_providers.c.project_rowid == project_rowid)
    return int(conn.execute(query).rowcount)
