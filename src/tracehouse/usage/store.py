"""SQL of usage: the per-day API request counters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select

from tracehouse.store.tables import usage_counters
from tracehouse.store.upsert import upsert


def add_requests(conn: Connection, counts: Mapping[tuple[int, int], int]) -> None:
    rows = [
        {"project_rowid": project, "day": day, "api_requests": n}
        for (project, day), n in sorted(counts.items())
    ]
    upsert(conn, usage_counters, rows, ("project_rowid", "day"), add=("api_requests",))


def requests_per_day(conn: Connection, project_rowid: int, first: int, end: int) -> dict[int, int]:
    u = usage_counters.c
    query = select(u.day, u.api_requests).where(
        u.project_rowid == project_rowid, u.day >= first, u.day < end
    )
    return {int(day): int(n) for day, n in conn.execute(query)}


def requests_total(conn: Connection, project_rowid: int, first: int, end: int) -> int:
    u = usage_counters.c
    query = select(func.coalesce(func.sum(u.api_requests), 0)).where(
        u.project_rowid == project_rowid, u.day >= first, u.day < end
    )
    return int(conn.execute(query).scalar_one())


def project_plan(conn: Connection, project_rowid: int) -> Any:
    from tracehouse.projects import store as project_store

    return project_store.find_project(conn, project_rowid=project_rowid)["plan"]
