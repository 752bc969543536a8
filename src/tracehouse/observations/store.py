"""SQL for reading observations: the filtered list, one by id (on ClickHouse when it holds
the project's traces, `store/clickhouse/lists.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, func, select, tuple_

from tracehouse.clock import to_us
from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store import fulltext
from tracehouse.store.clickhouse import dispatch, lists
from tracehouse.store.tables import observations
from tracehouse.traces.filters import text_condition

if TYPE_CHECKING:
    from tracehouse.observations.service import ObservationFilters

#: The filters compared for equality, and how each value is normalised.
EQUAL = ("trace_id", "parent_id", "type", "name", "model", "level")


def normal(field: str, value: str) -> str:
    return value.lower() if field == "type" else value.upper() if field == "level" else value


def list_observations(
    conn: Connection, project_rowid: int, filters: ObservationFilters, page: PageParams
) -> tuple[list[Any], int]:
    """A page of the project's observations matching `filters`, and how many match."""
    if (ch := dispatch.of(conn)) is not None:
        return lists.observations(ch, project_rowid, filters, page)
    o = observations.c
    conditions = [o.project_rowid == project_rowid]
    for field in EQUAL:
        value = getattr(filters, field)
        if value is not None:
            conditions.append(o[field] == normal(field, value))
    if filters.from_time:
        conditions.append(o.start_time >= to_us(filters.from_time))
    if filters.to_time:
        conditions.append(o.start_time < to_us(filters.to_time))
    if filters.q:
        columns = (o.name, o.input, o.output, o.status_message)
        conditions.append(text_condition(filters.q, columns, _indexed_observation))
    keys = [o.start_time, o.observation_rowid]
    query = paginate(select(observations).where(*conditions), keys, page)
    rows = list(conn.execute(query).mappings())
    count = select(func.count()).select_from(observations).where(*conditions)
    return rows, int(conn.execute(count).scalar_one())


def _indexed_observation(words: list[str]) -> ColumnElement[bool]:
    o = observations.c
    return tuple_(o.project_rowid, o.id).in_(fulltext.matching_observations(words))


def get_observation(conn: Connection, project_rowid: int, observation_id: str) -> Any:
    if (ch := dispatch.of(conn)) is not None:
        return lists.observation(ch, project_rowid, observation_id)
    query = select(observations).where(
        observations.c.project_rowid == project_rowid, observations.c.id == observation_id
    )
    return conn.execute(query).mappings().first()
