"""SQL of the daily roll-ups: append a batch's changes and mark days a purge left dirty (both
in the writer's transaction), find, rebuild and compact days, read a range of days."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, Table, delete, func, select

from tracehouse.analytics.sketch import Sketch
from tracehouse.clock import now_us
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.locks import transaction_lock
from tracehouse.store.tables import (
    analytics_daily,
    analytics_daily_models,
    analytics_daily_users,
    analytics_daily_version_scores,
    analytics_daily_versions,
    analytics_dirty_days,
    analytics_rollup_days,
    traces,
)
from tracehouse.store.tables.analytics import (
    DAILY_FIGURES,
    MODEL_DAILY_FIGURES,
    USER_DAILY_FIGURES,
)
from tracehouse.store.upsert import insert_many, upsert

DAY_US = 86_400_000_000
ROLLUPS = (
    analytics_daily,
    analytics_daily_models,
    analytics_daily_users,
    analytics_daily_versions,
    analytics_daily_version_scores,
)
_LOCK_BASE = 0x616E_0000_0000  # "an" + project rowid


def day_of(time_us: int) -> int:
    return time_us - time_us % DAY_US


def mark_dirty(conn: Connection, project_rowid: int, times: Iterable[int | None]) -> None:
    """Mark the days of these trace start times for a rebuild (each mark gets a new version):
    for changes the appended deltas do not carry (retention's bulk deletions). A day's roll-up
    is then as of its first mark (`built_at`) until rebuilt."""
    days = sorted({day_of(v) for v in times if v is not None})
    if not days:
        return
    rows = [
        {"project_rowid": project_rowid, "day": day, "version": random.getrandbits(62)}
        for day in days
    ]
    d = analytics_dirty_days.c
    query = select(d.day).where(d.project_rowid == project_rowid, d.day.in_(days))
    already = set(conn.execute(query).scalars())
    upsert(conn, analytics_dirty_days, rows, ("project_rowid", "day"), replace=("version",))
    now = now_us()
    marks = [
        {"project_rowid": project_rowid, "day": day, "built_at": now}
        for day in days
        if day not in already
    ]
    upsert(conn, analytics_rollup_days, marks, ("project_rowid", "day"), replace=("built_at",))


def exact_at_write(engine: Engine) -> bool:
    """Whether the roll-ups are exact at every write, with no dirty day and no way to take
    chosen traces away (ClickHouse's, `store.clickhouse.rollups`): read when the filters are
    all roll-up dimensions, else the traces are read whole."""
    return dispatch.of(engine) is not None


def dirty_days(conn: Connection, project_rowid: int, first: int, end: int) -> list[Any]:
    d = analytics_dirty_days.c
    query = select(d.day, d.version).where(
        d.project_rowid == project_rowid, d.day >= first, d.day < end
    )
    return list(conn.execute(query.order_by(d.day)))


def all_dirty(conn: Connection) -> list[Any]:
    """Every dirty day (project_rowid, day, version), newest day first."""
    d = analytics_dirty_days.c
    query = select(d.project_rowid, d.day, d.version).order_by(d.day.desc(), d.project_rowid)
    return list(conn.execute(query))


def dirty_version(conn: Connection, project_rowid: int, day: int) -> int | None:
    d = analytics_dirty_days.c
    query = select(d.version).where(d.project_rowid == project_rowid, d.day == day)
    value = conn.execute(query).scalar()
    return None if value is None else int(value)


def day_traces(conn: Connection, project_rowid: int, day: int) -> int:
    """How many traces start on the day (through the index on project and start time)."""
    t = traces.c
    query = select(func.count()).where(
        t.project_rowid == project_rowid, t.start_time >= day, t.start_time < day + DAY_US
    )
    return int(conn.execute(query).scalar_one())


def built_at(conn: Connection, project_rowid: int, days: Sequence[int]) -> dict[int, int]:
    """{day: when its roll-up was last built} of those days ever built."""
    r = analytics_rollup_days.c
    query = select(r.day, r.built_at).where(r.project_rowid == project_rowid, r.day.in_(days))
    return {int(day): int(at) for day, at in conn.execute(query)}


def lock(conn: Connection, project_rowid: int) -> None:
    """Hold the project's roll-ups alone until the transaction ends: a day is rebuilt or
    compacted from a state no writer changes meanwhile (see `append`)."""
    transaction_lock(conn, _LOCK_BASE + project_rowid)


def append(
    conn: Connection, project_rowid: int, rows: Mapping[Table, Sequence[dict[str, Any]]]
) -> None:
    """Append a batch's changes to the roll-ups (`contrib.Deltas.rows`), in its transaction.

    On PostgreSQL several writers append at once (a shared lock), but not while a day is
    rebuilt or compacted (`lock`): those read and replace a day's rows as of a state that no
    uncommitted batch can add to behind them. SQLite's single writer needs no lock."""
    if not any(rows.values()):
        return
    transaction_lock(conn, _LOCK_BASE + project_rowid, shared=True)
    for table, more in rows.items():
        insert_many(conn, table, more)


def replace_day(
    conn: Connection,
    project_rowid: int,
    day: int,
    rows: Mapping[Table, Sequence[dict[str, Any]]],
    *,
    built: bool = True,
) -> None:
    """Replace the day's rows; `built`: they were built from the base tables (their time is
    what a read of the day, once dirty, reports as its freshness)."""
    for table in ROLLUPS:
        conn.execute(
            delete(table).where(table.c.project_rowid == project_rowid, table.c.day == day)
        )
        insert_many(conn, table, rows.get(table, ()))
    if built:
        mark = {"project_rowid": project_rowid, "day": day, "built_at": now_us()}
        upsert(conn, analytics_rollup_days, [mark], ("project_rowid", "day"), replace=("built_at",))


def day_of_table(conn: Connection, table: Table, project_rowid: int, day: int) -> list[Any]:
    """Every stored row of one table's day."""
    query = select(table).where(table.c.project_rowid == project_rowid, table.c.day == day)
    return list(conn.execute(query))


def day_sizes(conn: Connection) -> dict[tuple[int, int], int]:
    """{(project rowid, day): its rows in `analytics_daily`}: how far appends have grown it."""
    a = analytics_daily.c
    query = select(a.project_rowid, a.day, func.count()).group_by(a.project_rowid, a.day)
    return {(int(p), int(d)): int(n) for p, d, n in conn.execute(query)}


def day_groups(conn: Connection) -> dict[tuple[int, int], int]:
    """{(project rowid, day): its groups in `analytics_daily`}: a day holding one row per
    group is compact."""
    a = analytics_daily.c
    keys = (a.project_rowid, a.day, a.environment, a.name, a.status, a.trace_model)
    groups = select(a.project_rowid, a.day).group_by(*keys).subquery()
    query = select(groups.c.project_rowid, groups.c.day, func.count()).group_by(
        groups.c.project_rowid, groups.c.day
    )
    return {(int(p), int(d)): int(n) for p, d, n in conn.execute(query)}


def clear_dirty(conn: Connection, project_rowid: int, day: int, version: int) -> None:
    d = analytics_dirty_days.c
    conn.execute(
        delete(analytics_dirty_days).where(
            d.project_rowid == project_rowid, d.day == day, d.version == version
        )
    )


def _range(
    table: Table, project_rowid: int, first: int, end: int, skip: Sequence[int]
) -> list[ColumnElement[bool]]:
    """The days in [first, end) but those in `skip` (read from the base tables instead)."""
    out = [table.c.project_rowid == project_rowid, table.c.day >= first, table.c.day < end]
    return [*out, table.c.day.not_in(skip)] if skip else out


def _model(table: Table, model: str | None) -> ColumnElement[bool]:
    """The rows over every trace (None), or over the traces with a call of `model`."""
    column = table.c.trace_model
    return column.is_(None) if model is None else column == model


def _dims(table: Table, dims: dict[str, Any]) -> list[ColumnElement[bool]]:
    out = [_model(table, dims.get("model"))]
    plain = (k for k, v in dims.items() if k not in ("has_error", "model") and v is not None)
    out += [table.c[k] == dims[k] for k in plain]
    if dims.get("has_error") is not None:
        out.append(table.c.status == "error" if dims["has_error"] else table.c.status != "error")
    return out


def trace_totals(
    conn: Connection,
    project_rowid: int,
    first: int,
    end: int,
    dims: dict[str, Any],
    skip: Sequence[int] = (),
) -> list[Any]:
    """Per day, environment, name and status: the summed figures (appended changes
    included) of the groups some trace still counts in."""
    a = analytics_daily
    keys = (a.c.day, a.c.environment, a.c.name, a.c.status)
    sums = [func.sum(a.c[name]).label(name) for name in DAILY_FIGURES]
    query = (
        select(*keys, *sums)
        .where(*_range(a, project_rowid, first, end, skip), *_dims(a, dims))
        .group_by(*keys)
        .having(func.sum(a.c.traces) != 0)
    )
    return _read(conn, query)


def _read(conn: Connection, query: Select[Any]) -> list[Any]:
    """The rows of a roll-up query, from ClickHouse's roll-ups when it holds the traces."""
    if (ch := dispatch.of(conn)) is not None:
        from tracehouse.store.clickhouse import rollups

        return rollups.rows(ch, query)
    return list(conn.execute(query).all())


def latency_hists(
    conn: Connection,
    project_rowid: int,
    first: int,
    end: int,
    dims: dict[str, Any],
    skip: Sequence[int] = (),
) -> Sketch:
    """The stored latency histograms of the days summed (appended changes too)."""
    a = analytics_daily
    query = select(a.c.latency_hist).where(
        *_range(a, project_rowid, first, end, skip), *_dims(a, dims)
    )
    if (ch := dispatch.of(conn)) is not None:
        from tracehouse.store.clickhouse import rollups

        return rollups.latency_sketch(ch, query)
    out = Sketch()
    for text in conn.execute(query).scalars():
        out.merge_text(text)
    return out


def model_totals(
    conn: Connection,
    project_rowid: int,
    first: int,
    end: int,
    dims: dict[str, Any],
    skip: Sequence[int] = (),
) -> list[Any]:
    m = analytics_daily_models
    sums = [func.sum(m.c[name]).label(name) for name in MODEL_DAILY_FIGURES]
    query = (
        select(m.c.model, *sums)
        .where(*_range(m, project_rowid, first, end, skip), *_dims(m, dims))
        .group_by(m.c.model)
        .having(func.sum(m.c.traces) != 0)  # a model no trace calls any more
    )
    return _read(conn, query)


def user_totals(
    conn: Connection,
    project_rowid: int,
    first: int,
    end: int,
    model: str | None = None,
    skip: Sequence[int] = (),
) -> list[Any]:
    u = analytics_daily_users
    sums = [func.sum(u.c[name]).label(name) for name in USER_DAILY_FIGURES]
    query = (
        select(u.c.user_id, *sums)
        .where(*_range(u, project_rowid, first, end, skip), _model(u, model))
        .group_by(u.c.user_id)
        .having(func.sum(u.c.traces) != 0)  # a user no trace names any more
    )
    return _read(conn, query)
