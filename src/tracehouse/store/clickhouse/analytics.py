"""Analytics reads on ClickHouse: the same aggregates as `analytics.store`, straight from the
current rows of `traces` (no roll-up tables: a column scan of a project's traces, per-model
figures from each trace's own row; measurements in docs/clickhouse.md), with the percentiles
computed by ClickHouse (`quantilesExactInclusive`: NumPy's default, as `analytics.stats`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql

from tracehouse.analytics.aggregate import ModelAgg
from tracehouse.http.pagination import PageParams
from tracehouse.store.clickhouse import newest, sql
from tracehouse.store.clickhouse.where import FINAL_SETTINGS, Where, current
from tracehouse.store.tables.analytics import MODEL_FIGURES

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse


_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


class Row(dict[str, Any]):
    """A result row read by key or by attribute, as a relational row is."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def rows(ch: ClickHouse, sql: str, params: dict[str, Any]) -> list[Row]:
    return [Row(r) for r in ch.rows(f"{sql} {FINAL_SETTINGS}", params)]


def _traces(w: Where, columns: str, condition: str = "true") -> str:
    return f"SELECT {columns} FROM {current(w.layout, 'traces')} WHERE {w.sql} AND ({condition})"


_TRACE_FIGURES = (
    "count() AS traces, sum(observation_count) AS observations, countIf(retried) AS retried, "
    "count(latency_ms) AS latency_count, sum(ifNull(latency_ms, 0)) AS latency_sum, "
    "sum(total_tokens) AS tokens, sum(cost) AS cost"
)


def trace_groups(ch: ClickHouse, w: Where, width: int, offset: int) -> list[Row]:
    """Per chart bucket (`width` µs, aligned at `offset`), environment, name and status:
    traces, observations, retried traces, latency count and sum, tokens, cost."""
    bucket = f"intDiv(start_time - {offset}, {width}) * {width} + {offset}"
    dims = "bucket, environment, name, status"
    sql = _traces(w, f"{bucket} AS bucket, environment, name, status, {_TRACE_FIGURES}")
    return rows(ch, f"{sql} GROUP BY {dims}", w.params)


def latency_quantiles(
    ch: ClickHouse, w: Where, qs: Sequence[float]
) -> tuple[dict[float, float | None], dict[float, int]]:
    """{q: the q-th percentile (0-100) of the known latencies}, interpolated between ranks,
    and {q: how many latencies exceed it} (the slow count when the threshold is one of them:
    no second pass)."""
    levels = ", ".join(str(q / 100) for q in qs)
    sql = _traces(
        w,
        f"count(latency_ms) AS n, quantilesExactInclusive({levels})(latency_ms) AS v, "
        "groupArray(latency_ms) AS known, arrayMap(t -> arrayCount(x -> x > t, known), v) "
        "AS above",
    )
    found = rows(ch, sql, w.params)[0]
    values = found["v"] if found["n"] else [None] * len(qs)
    counts = found["above"] if found["n"] else [0] * len(qs)
    return dict(zip(qs, values, strict=True)), dict(zip(qs, map(int, counts), strict=True))


def latencies(ch: ClickHouse, w: Where) -> list[float]:
    """Every known latency of the matching traces, in no order."""
    sql = _traces(w, "latency_ms", "latency_ms IS NOT NULL")
    result = ch.client.query(f"{sql} {FINAL_SETTINGS}", parameters=w.params)
    return [row[0] for row in result.result_rows]


def condition_sql(condition: ColumnElement[bool]) -> str:
    """A condition on `traces` written with SQLAlchemy, as ClickHouse SQL over `current`."""
    kwargs = {"literal_binds": True, "include_table": False}
    return str(condition.compile(dialect=_DIALECT, compile_kwargs=kwargs))


def count_where(ch: ClickHouse, w: Where, condition: str = "true") -> int:
    return int(rows(ch, _traces(w, "count() AS n", condition), w.params)[0]["n"])


def user_groups(ch: ClickHouse, w: Where) -> list[Row]:
    """Per user: traces, failed traces, latency count and sum, tokens, cost."""
    columns = (
        "user_id, count() AS traces, countIf(status = 'error') AS failed, "
        "count(latency_ms) AS latency_count, sum(ifNull(latency_ms, 0)) AS latency_sum, "
        "sum(total_tokens) AS tokens, sum(cost) AS cost"
    )
    return rows(ch, f"{_traces(w, columns)} GROUP BY user_id", w.params)


def model_groups(ch: ClickHouse, w: Where) -> dict[str, ModelAgg]:
    """Per model: the traces that called it and the figures of those calls, from each trace's
    own row (`model_names` / `model_figures`, its model calls: `schema.MODEL_COLUMNS`)."""
    sums = ", ".join(f"sum(call_figures[{i + 1}])" for i in range(len(MODEL_FIGURES)))
    sql = (
        f"SELECT call_model, count() AS traces, {sums} FROM {current(w.layout, 'traces')} "
        f"ARRAY JOIN model_names AS call_model, model_figures AS call_figures "
        f"WHERE {w.sql} GROUP BY call_model"
    )
    found = ch.rows(f"{sql} {FINAL_SETTINGS}", w.params)
    return {row["call_model"]: ModelAgg.of(list(row.values())[1:]) for row in found}


def list_where(ch: ClickHouse, w: Where, condition: str, page: PageParams) -> list[Row]:
    """A page (plus one row) of traces meeting `condition`, newest first (keyset on start
    time and rowid, as `http.pagination.paginate`): the newest candidates of any version,
    then their current rows (`newest.page`), not a pass over every current row."""
    where = sql.Where([*w.conditions, condition], dict(w.params))
    order = newest.Order("start_time", ("start_time", "trace_rowid"))
    # no floor under the candidates (twice the page): a short list reads few granules
    return [Row(row) for row in newest.page(ch, "traces", where, order, page, first=0)]


def first_errors(ch: ClickHouse, project_rowid: int, trace_ids: Iterable[str]) -> dict[str, Row]:
    """{trace id: its earliest ERROR observation (id, type, name, message, time)}."""
    ids = sorted(set(trace_ids))
    if not ids:
        return {}
    sql = (
        "SELECT trace_id, id, type, name, status_message, start_time FROM "
        f"{current(ch.layout, 'observations')} WHERE project_rowid = {{project:Int64}} "
        "AND trace_id IN {ids:Array(String)} AND level = 'ERROR' "
        "ORDER BY trace_id, start_time, observation_rowid LIMIT 1 BY trace_id"
    )
    found = rows(ch, sql, {"project": project_rowid, "ids": ids})
    return {row["trace_id"]: row for row in found}


def error_messages(ch: ClickHouse, w: Where, limit: int) -> list[Row]:
    """Failed traces (newest first, at most `limit`), each with its first failed step:
    id, name, start_time, status_message, step_id, step_type, step_name, step_message."""
    sql = _traces(w, "id, name, start_time, status_message", "status = 'error'")
    failed = rows(ch, f"{sql} ORDER BY start_time DESC, id LIMIT {int(limit)}", w.params)
    steps = first_errors(ch, w.project_rowid, (row["id"] for row in failed))
    out = []
    for row in failed:
        step = steps.get(row["id"])
        out.append(
            Row(
                row,
                step_id=step and step["id"],
                step_type=step and step["type"],
                step_name=step and step["name"],
                step_message=step and step["status_message"],
            )
        )
    return out


#: The columns of `samples`, in order.
SAMPLE_COLUMNS = ("cost", "total_tokens", "latency_ms", "status")


def samples(ch: ClickHouse, w: Where) -> list[Sequence[Any]]:
    """The columns (cost, total_tokens, latency_ms, status) of every trace meeting the
    filters, as the client decodes them (no row tuples: a million of them cost more than
    the query)."""
    sql = _traces(w, ", ".join(SAMPLE_COLUMNS))
    result = ch.client.query(f"{sql} {FINAL_SETTINGS}", parameters=w.params)
    columns = list(result.result_columns)
    return columns if columns else [[] for _ in SAMPLE_COLUMNS]
