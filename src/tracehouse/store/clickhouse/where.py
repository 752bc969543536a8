"""The current rows of a ClickHouse table (FINAL, within each partition), and conditions on
them within a project, with their parameters bound server side (`{name:Type}`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from tracehouse.store.clickhouse import trace_list
from tracehouse.traces.filters import TraceFilters

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse
    from tracehouse.store.clickhouse.schema import Layout

#: Read the current version of rows with FINAL: every version of a key shares a partition
#: (see `schema.create_table`), so no merge across partitions is needed (docs/clickhouse.md).
#: A column wins over a result alias of its name (`sum(cost) AS cost`) in WHERE.
FINAL_SETTINGS = (
    "SETTINGS do_not_merge_across_partitions_select_final = 1, prefer_column_name_to_alias = 1"
)


def current(layout: Layout, name: str) -> str:
    """The table's current rows (the latest version of each key), named as the table."""
    return f"{layout.table(name)} AS {name} FINAL"


@dataclass
class Where:
    """Conditions (ANDed) and their parameters; `bind` adds a parameter, returns its slot."""

    layout: Layout
    project_rowid: int
    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params["project"] = self.project_rowid
        self.conditions.append("project_rowid = {project:Int64}")

    def bind(self, value: Any, kind: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"{{{name}:{kind}}}"

    def add(self, condition: str) -> Where:
        self.conditions.append(condition)
        return self

    @property
    def sql(self) -> str:
        return " AND ".join(f"({c})" for c in self.conditions)


def trace_where(
    ch: ClickHouse, conn: Connection, project_rowid: int, filters: TraceFilters
) -> Where:
    """The conditions of the trace filters (`trace_list.filtered`: the trace list's), within
    the project (`conn`: the relational database, for CI runs and git links); the `model`
    filter as a test of the trace row's `model_names` column (`schema.MODEL_COLUMNS`: no JSON
    parsed per row; these reads name the table, whose `*` the trace list's subquery is)."""
    found = trace_list.filtered(ch, conn, project_rowid, filters.model_copy(update={"model": None}))
    w = Where(ch.layout, project_rowid)
    w.conditions += found.conditions
    w.params.update(found.params)  # theirs bind `project` too, and p1, p2, ... after it
    if filters.model:
        w.add(f"has(model_names, {w.bind(filters.model, 'String')})")
    return w
