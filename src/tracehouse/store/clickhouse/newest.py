"""Pages and counts of a trace table's current rows that read only what they need.

`schema.latest` over a whole project sorts every row of it to keep each key's latest version.
A page ordered by a column needs far less: the first `size` rows of *any* version matching the
filters (`ORDER BY sort LIMIT size` over a few columns, a partial sort) name every key whose
current row can be on the page, because a current row that matches is itself one of the rows
looked at. Only those keys are then read whole (the primary key finds their granules) and
deduplicated; the filters apply again to their latest version.

Exact: with `size` candidates found, a current row sorting strictly before the last candidate
is among them; rows at or past it may not be, so the page keeps only rows strictly before it,
and when that leaves the page short while more rows exist, `size` grows and the page is read
again (a filter matching mostly old versions costs a few rounds, never a wrong answer).

Counts take the current rows with `FINAL` within each partition (as the analytics do,
`where.FINAL_SETTINGS`): every version of a key shares its partition, and ClickHouse applies
`WHERE` on non-key columns after `FINAL`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracehouse.http.pagination import PageParams
from tracehouse.store.clickhouse.schema import SPECS, latest
from tracehouse.store.clickhouse.sql import Where, page_clause

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

PROJECT = "project_rowid = {project:Int64}"
#: The first number of candidates read (at least; two pages' worth otherwise).
FIRST_SIZE = 256
#: Settings of a count over the current rows (see the module docstring).
_COUNT_SETTINGS = {"do_not_merge_across_partitions_select_final": 1}


@dataclass(frozen=True)
class Order:
    """How a page is ordered: the sort expression (named `sort_value` when `named`), the
    cursor's keys (the first one the sort's value), and the direction."""

    sort: str
    keys: tuple[str, ...]
    descending: bool = True
    named: bool = False


def count(ch: ClickHouse, name: str, where: Where) -> int:
    """How many current rows of the project match `where` (parameter `project` bound)."""
    sql = f"SELECT count() FROM {ch.layout.table(name)} FINAL WHERE {PROJECT} AND {where.sql}"
    result = ch.client.query(sql, parameters=dict(where.params), settings=_COUNT_SETTINGS)
    return int(result.result_rows[0][0])


def page(
    ch: ClickHouse,
    name: str,
    where: Where,
    order: Order,
    page_params: PageParams,
    first: int = FIRST_SIZE,
) -> list[dict[str, Any]]:
    """One page (and one row more, to tell `has_more`) of the current rows matching `where`,
    as `sql.page_clause` orders and cuts them; `where` gains the cursor's condition. `first`:
    the fewest candidates the first round reads (each costs its granule)."""
    clause = page_clause(where, list(order.keys), page_params, descending=order.descending)
    skip = 0 if page_params.cursor else page_params.offset
    wanted = page_params.limit + 1
    size = first_size(wanted + skip, first)
    while True:
        found = _candidates(ch, name, where, order, size)
        rows = _read(ch, name, where, order, clause, found, edge=len(found) == size)
        if len(rows) >= wanted or len(found) < size:
            return rows
        size *= 4


def first_size(rows: int, first: int = FIRST_SIZE) -> int:
    """How many candidates the first round reads for a page of `rows` (offset included)."""
    return max(first, 2 * rows)


def _candidates(
    ch: ClickHouse, name: str, where: Where, order: Order, size: int
) -> list[tuple[Any, ...]]:
    """The keys and sort values of the first `size` rows, any version, matching `where`."""
    key = "trace_id, id" if name == "observations" else "id"
    direction = "DESC" if order.descending else "ASC"
    sql = (
        f"SELECT {key}, {order.sort} AS sort_value FROM {ch.layout.table(name)} "
        f"WHERE {PROJECT} AND {where.sql} ORDER BY sort_value {direction} LIMIT {int(size)}"
    )
    rows = ch.client.query(sql, parameters=dict(where.params)).result_rows
    return [tuple(row) for row in rows]


def _read(
    ch: ClickHouse,
    name: str,
    where: Where,
    order: Order,
    clause: str,
    found: list[tuple[Any, ...]],
    *,
    edge: bool,
) -> list[dict[str, Any]]:
    """The page among the current rows of the candidates' keys."""
    if not found:
        return []
    scope = Where(params=dict(where.params))
    keys = f"id IN {scope.bind(sorted({row[-2] for row in found}), 'Array(String)')}"
    if name == "observations":
        traces = scope.bind(sorted({row[0] for row in found}), "Array(String)")
        keys = f"trace_id IN {traces} AND {keys}"
    conditions = [where.sql]
    if edge:
        conditions.append(
            f"{order.sort} {'>' if order.descending else '<'} {scope.bind(found[-1][-1])}"
        )
    named = f", {order.sort} AS sort_value" if order.named else ""
    # the computed columns (not in `*`) the filters name, left out of the rows
    computed = [c for c in SPECS[name].computed if c in where.sql]
    inner = ", ".join(["*", *computed])
    outer = f"* EXCEPT ({', '.join(computed)})" if computed else "*"
    source = latest(ch.layout, name, f"{PROJECT} AND {keys}", inner)
    sql = f"SELECT {outer}{named} FROM ({source}) WHERE {' AND '.join(conditions)} {clause}"
    return ch.rows(sql, scope.params)
