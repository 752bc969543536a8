"""The observation and score lists on ClickHouse (the same filters and cursors as the
relational `observations/store.py` and `scores/store.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracehouse.clock import to_us
from tracehouse.http.pagination import PageParams
from tracehouse.store.clickhouse import newest, search
from tracehouse.store.clickhouse.schema import latest
from tracehouse.store.clickhouse.sql import Where
from tracehouse.store.clickhouse.trace_list import text_condition

if TYPE_CHECKING:
    from tracehouse.observations.service import ObservationFilters
    from tracehouse.scores.schemas import ScoreFilters
    from tracehouse.store.clickhouse.client import ClickHouse

_PROJECT = "project_rowid = {project:Int64}"
_OBSERVATION_EQUAL = ("trace_id", "parent_id", "type", "name", "model", "level")
_SCORE_EQUAL = ("trace_id", "observation_id", "session_id", "name", "source", "data_type")
_OBSERVATION_TEXT = ("name", "input", "output", "status_message")


def _page(
    ch: ClickHouse, name: str, where: Where, keys: tuple[str, str], page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    total = newest.count(ch, name, where)
    return newest.page(ch, name, where, newest.Order(keys[0], keys), page), total


def observations(
    ch: ClickHouse, project_rowid: int, filters: ObservationFilters, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    where = Where(params={"project": project_rowid})
    for field in _OBSERVATION_EQUAL:
        value = getattr(filters, field)
        if value is not None:
            where.equal(field, value.lower() if field == "type" else
                        value.upper() if field == "level" else value)  # fmt: skip
    _times(where, "start_time", filters.from_time, filters.to_time)
    if filters.q:
        indexed = lambda words: search.observation_ids_matching(ch, words, where.bind)  # noqa: E731
        where.add(text_condition(where, filters.q, _OBSERVATION_TEXT, indexed))
    return _page(ch, "observations", where, ("start_time", "observation_rowid"), page)


def observation(ch: ClickHouse, project_rowid: int, observation_id: str) -> dict[str, Any] | None:
    sql = latest(ch.layout, "observations", f"{_PROJECT} AND id = {{id:String}}")
    rows = ch.rows(sql, {"project": project_rowid, "id": observation_id})
    return rows[0] if rows else None


def scores(
    ch: ClickHouse, project_rowid: int, filters: ScoreFilters, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    where = Where(params={"project": project_rowid})
    for field in _SCORE_EQUAL:
        value = getattr(filters, field)
        if value is not None:
            where.equal(field, value.upper() if field == "data_type" else value)
    _times(where, "timestamp", filters.from_time, filters.to_time)
    return _page(ch, "scores", where, ("timestamp", "score_rowid"), page)


def _times(where: Where, column: str, start: Any, end: Any) -> None:
    if start:
        where.add(f"{column} >= {where.bind(to_us(start))}")
    if end:
        where.add(f"{column} < {where.bind(to_us(end))}")
