"""The write path into ClickHouse: whole merged rows with a higher `_version`.

`pipeline.write_batch` merges exactly as for the relational tables; this completes each merged
row from the stored one (a `None` column keeps the stored value, as the relational upsert's
COALESCE does), skips rows the batch leaves unchanged, and inserts: observations and scores
at once, traces (with their roll-up) and their model calls last, once the observations they
total are in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table

from tracehouse.analytics.contrib import Deltas, TraceState
from tracehouse.ingest import store as ingest_store
from tracehouse.store.clickhouse import rollups, stored
from tracehouse.store.clickhouse.rowids import rowid
from tracehouse.store.clickhouse.schema import SPECS, VERSION, columns_of
from tracehouse.store.tables.analytics import MODEL_FIGURES

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

#: The columns the merge reads from a stored row (as the relational fetch gives them).
_MERGE_READS = {
    "traces": ingest_store.TRACE_STORED,
    "observations": ingest_store.OBSERVATION_STORED,
}
_ROWID = {"traces": "trace_rowid", "observations": "observation_rowid", "scores": "score_rowid"}
#: Defaults of the NOT NULL columns a new trace's merged row leaves out (the roll-up sets
#: the others).
_NEW_TRACE = {"status": "ok", "is_test": False}
#: Columns a write always changes: left out when telling whether a row changed.
_VOLATILE = frozenset({"updated_at", VERSION})
#: Each table's columns, in insert order (a new row starts with every one of them None).
_COLUMNS = {name: tuple(columns_of(name)) for name in SPECS}


class ClickHouseRows:
    """One project's rows in ClickHouse, for one batch (`ingest.rows.Rows`)."""

    def __init__(self, ch: ClickHouse, project_rowid: int):
        self._ch = ch
        self._project = project_rowid
        #: table → id → the full stored row, as fetched
        self._stored: dict[str, dict[str, dict[str, Any]]] = {}
        #: the batch's trace rows, completed, waiting for their roll-up
        self._traces: dict[str, dict[str, Any]] = {}

    def fetch(self, table: Table, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found = stored.full_rows(self._ch, table.name, self._project, ids)
        self._stored.setdefault(table.name, {}).update(found)
        reads = _MERGE_READS[table.name]
        return {key: {c: row[c] for c in reads} for key, row in found.items()}

    def write(self, table: Table, rows: list[dict[str, Any]], is_test: bool, now: int) -> None:
        name = table.name
        if not rows:
            return
        if name == "scores":
            self._stored["scores"] = stored.full_rows(
                self._ch, name, self._project, (row["id"] for row in rows)
            )
        old = self._stored.get(name, {})
        complete = [self._complete(name, row, old.get(row["id"]), is_test, now) for row in rows]
        if name == "traces":
            self._traces.update((row["id"], row) for row in complete)
            return
        self._ch.insert(name, changed(complete, old))

    def _complete(
        self,
        name: str,
        row: dict[str, Any],
        old: Mapping[str, Any] | None,
        is_test: bool,
        now: int,
    ) -> dict[str, Any]:
        """The whole row to insert: the merged one over the stored one (a score whole)."""
        whole = old is not None and name != "scores"
        full = dict(old) if whole and old is not None else dict.fromkeys(_COLUMNS[name])
        if name == "traces" and old is None:
            full.update(_NEW_TRACE)
        full.update((k, v) for k, v in row.items() if v is not None or name == "scores")
        if name == "observations" and old is not None:
            full["trace_id"] = old["trace_id"]  # part of the key: an observation stays put
        full["project_rowid"] = self._project
        full["is_test"] = old["is_test"] if old is not None else is_test
        full["created_at"] = old["created_at"] if old is not None else now
        full["updated_at"] = now
        full[_ROWID[name]] = rowid(self._project, row["id"])
        full[VERSION] = max(now, old[VERSION] + 1) if old is not None else now
        return full

    def roll_up(
        self, trace_ids: Iterable[str], before: Mapping[str, TraceState]
    ) -> dict[str, TraceState]:
        """Total the traces' observations (inserted already), then insert the traces and the
        model calls that changed."""
        ids = sorted(trace_ids)
        totals = stored.totals(self._ch, self._project, ids)
        failed = [t for t, groups in totals.items() if any(g.failed_calls for g in groups)]
        repeated = {
            t for t, steps in stored.steps(self._ch, self._project, failed).items()
            if ingest_store.repeats_a_failure(steps)
        }  # fmt: skip
        states: dict[str, TraceState] = {}
        calls_rows: list[dict[str, Any]] = []
        for trace_id in ids:
            row = self._traces[trace_id]
            groups = totals.get(trace_id, [])
            models = ingest_store.calls_by_model(groups)
            rolled = ingest_store.rolled_up(row, groups, models, trace_id in repeated)
            del rolled["p_id"]
            row.update(rolled)
            states[trace_id] = TraceState.of(row, models=models)
            if trace_id not in before or before[trace_id].models != models:
                calls_rows += _model_call_rows(row, before.get(trace_id), models)
        self._ch.insert("trace_model_calls", calls_rows)
        self._ch.insert(
            "traces", changed(list(self._traces.values()), self._stored.get("traces", {}))
        )
        return states

    def count_rollups(self, deltas: Deltas) -> None:
        """Insert the batch's signed changes into the ClickHouse roll-ups (`rollups`)."""
        rollups.insert(self._ch, self._project, deltas)

    def open_generation(self, trace_id: str, parent_id: str | None, before: int) -> str | None:
        return stored.open_generation(self._ch, self._project, trace_id, parent_id, before)


def changed(
    rows: list[dict[str, Any]], old: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The rows that differ from their stored version (a retried batch writes nothing)."""
    return [row for row in rows if row["id"] not in old or _differs(row, old[row["id"]])]


def _differs(row: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    return any(row.get(k) != v for k, v in old.items() if k not in _VOLATILE)


def _model_call_rows(
    trace: Mapping[str, Any],
    before: TraceState | None,
    models: Mapping[str, tuple[float, ...]],
) -> list[dict[str, Any]]:
    """The trace's `trace_model_calls` rows: each model's figures, and zeros for a model it no
    longer has (so sums need no join on the trace's version)."""
    zeros = (0,) * len(MODEL_FIGURES)
    gone = {m: zeros for m in (before.models if before else {}) if m not in models}
    common = {
        "project_rowid": trace["project_rowid"],
        "trace_rowid": trace["trace_rowid"],
        "created_at": trace["created_at"],
        VERSION: trace[VERSION],
    }
    return [
        {**common, "model": model, **dict(zip(MODEL_FIGURES, figures, strict=True))}
        for model, figures in {**models, **gone}.items()
    ]
