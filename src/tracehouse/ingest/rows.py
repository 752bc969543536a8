"""Where the write path reads and writes rows: the relational tables, or ClickHouse
(`store/clickhouse/write.py`). The merge itself (`pipeline.apply_batch`) is the same for both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy import Connection, Table

from tracehouse.analytics import rollup_store
from tracehouse.analytics.contrib import Deltas, TraceState
from tracehouse.ingest import store as ingest_store
from tracehouse.ingest import version_scores
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse.write import ClickHouseRows


class Rows(Protocol):
    """The stored rows of one project, as the write path needs them."""

    def fetch(self, table: Table, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored columns the merge needs, for the rows of `ids` that exist."""
        ...

    def write(self, table: Table, rows: list[dict[str, Any]], is_test: bool, now: int) -> None:
        """Upsert merged rows (a `None` column keeps the stored value; a score is whole)."""
        ...

    def roll_up(
        self, trace_ids: Iterable[str], before: Mapping[str, TraceState]
    ) -> dict[str, TraceState]:
        """Recompute the traces' totals from their observations (`ingest.store.roll_up`)."""
        ...

    def count_rollups(self, deltas: Deltas) -> None:
        """Add what the analytics roll-ups gain and lose."""
        ...

    def open_generation(self, trace_id: str, parent_id: str | None, before: int) -> str | None:
        """`ingest.store.open_generation`."""
        ...


class RelationalRows:
    """The rows in the relational database, in the caller's transaction."""

    def __init__(self, conn: Connection, project_rowid: int):
        self._conn = conn
        self._project = project_rowid

    def fetch(self, table: Table, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return ingest_store.fetch_stored(self._conn, table, self._project, ids)

    def write(self, table: Table, rows: list[dict[str, Any]], is_test: bool, now: int) -> None:
        ingest_store.write_rows(self._conn, table, rows, self._project, is_test, now)

    def roll_up(
        self, trace_ids: Iterable[str], before: Mapping[str, TraceState]
    ) -> dict[str, TraceState]:
        return ingest_store.roll_up(self._conn, self._project, trace_ids, before)

    def count_rollups(self, deltas: Deltas) -> None:
        rollup_store.append(self._conn, self._project, deltas.rows(self._project))

    def open_generation(self, trace_id: str, parent_id: str | None, before: int) -> str | None:
        return ingest_store.open_generation(self._conn, self._project, trace_id, parent_id, before)

    def score_rollups(self, scores: list[dict[str, Any]]) -> Deltas:
        """`version_scores.score_rollups`: before the batch changes its traces."""
        return version_scores.score_rollups(self._conn, self._project, scores)

    def move_scores(
        self, before: dict[str, TraceState], after: dict[str, TraceState], deltas: Deltas
    ) -> None:
        """`version_scores.move_scores`."""
        version_scores.move_scores(self._conn, self._project, before, after, deltas)


def of_project(conn: Connection, project_rowid: int) -> Rows:
    """The project's rows where its traces are: ClickHouse when it holds them (under the
    relational locks `conn` took), else the relational tables through `conn`."""
    clickhouse = dispatch.of(conn)
    if clickhouse is None:
        return RelationalRows(conn, project_rowid)
    return ClickHouseRows(clickhouse, project_rowid)
