"""Dataset runs (experiments): create, link items to traces, read results, compare side by side.

A run's id is derived from (project id, dataset id, run name) exactly as the Langfuse SDK
derives experiment ids, so a run created here and an SDK experiment of the same name coincide.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from sqlalchemy import ColumnElement, Connection

from tracehouse import jsontext
from tracehouse.clock import now_us
from tracehouse.datasets import run_store, store
from tracehouse.datasets.schemas import RunIn, RunItemIn
from tracehouse.datasets.service import require_dataset
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime


def run_id(project_id: str, dataset_id: str, name: str) -> str:
    """The first 16 hex digits of SHA-256 over the compact JSON array the SDK hashes."""
    payload = json.dumps(
        ["langfuse-experiment-v1", project_id, dataset_id, name],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def ensure_run(
    conn: Connection,
    project: tuple[int, str],
    dataset: Any,
    name: str,
    description: str | None = None,
    metadata: Any = None,
) -> Any:
    """The run named `name` on `dataset`, created on first use; a description or metadata
    given later replaces the stored one."""
    project_rowid, project_id = project
    now = now_us()
    found = run_store.find_run(
        conn, project_rowid, dataset_rowid=dataset["dataset_rowid"], name=name
    )
    if found is None:
        run_store.insert_run(
            conn,
            {
                "project_rowid": project_rowid,
                "dataset_rowid": dataset["dataset_rowid"],
                "id": run_id(project_id, dataset["id"], name),
                "name": name,
                "description": description,
                "metadata": jsontext.dumps(metadata),
                "created_at": now,
                "updated_at": now,
            },
        )
    else:
        changes: dict[str, Any] = {"updated_at": now}
        if description is not None:
            changes["description"] = description
        if metadata is not None:
            changes["metadata"] = jsontext.dumps(metadata)
        run_store.update_run(conn, found["run_rowid"], **changes)
    return run_store.find_run(
        conn, project_rowid, dataset_rowid=dataset["dataset_rowid"], name=name
    )


def create_run(rt: Runtime, scope: ProjectScope, name: str, body: RunIn) -> Any:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        dataset = require_dataset(conn, scope, name)
        project = (scope.project_rowid, scope.project_id)
        return ensure_run(conn, project, dataset, body.name, body.description, body.metadata)


def link_item(
    conn: Connection, scope: ProjectScope, dataset: Any, run: Any, body: RunItemIn
) -> Any:
    """Link a dataset item to the trace (and observation) the run produced for it."""
    item = store.current_item(conn, scope.project_rowid, body.dataset_item_id)
    if item is None or item["dataset_rowid"] != dataset["dataset_rowid"]:
        raise NotFound(f"Dataset item not found: {body.dataset_item_id!r}.")
    if body.trace_id is None and body.observation_id is None:
        raise InvalidRequest("A run item needs a traceId or an observationId.")
    values = {
        "id": new_id(),
        "dataset_item_id": body.dataset_item_id,
        "trace_id": body.trace_id,
        "observation_id": body.observation_id,
    }
    return run_store.upsert_run_item(conn, run["run_rowid"], values, now_us())


def add_run_item(
    rt: Runtime, scope: ProjectScope, name: str, run_name: str, body: RunItemIn
) -> Any:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        dataset = require_dataset(conn, scope, name)
        run = _run(conn, scope, dataset, run_name)
        return link_item(conn, scope, dataset, run, body)


def _run(conn: Connection, scope: ProjectScope, dataset: Any, run_name: str) -> Any:
    """The dataset's run of that name, else of that id (a name wins over another run's id)."""
    found = run_store.find_run(
        conn, scope.project_rowid, dataset_rowid=dataset["dataset_rowid"], name=run_name
    ) or run_store.find_run(conn, scope.project_rowid, id=run_name)
    if found is None or found["dataset_rowid"] != dataset["dataset_rowid"]:
        raise NotFound(f"Dataset run not found: {run_name!r}.")
    return found


def list_runs(
    rt: Runtime, scope: ProjectScope, name: str, limit: int, offset: int
) -> tuple[Any, list[tuple[Any, int]], int]:
    with rt.db.reader.connect() as conn:
        dataset = require_dataset(conn, scope, name)
        rows, total = run_store.list_runs(conn, dataset["dataset_rowid"], limit, offset)
        counts = run_store.run_item_counts(conn, [r["run_rowid"] for r in rows])
    return dataset, [(row, counts.get(row["run_rowid"], 0)) for row in rows], total


def delete_run(rt: Runtime, scope: ProjectScope, name: str, run_name: str) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        run_store.delete_run(
            conn, _run(conn, scope, require_dataset(conn, scope, name), run_name)["run_rowid"]
        )


@dataclass(frozen=True, slots=True)
class RunResults:
    """A run, its items with their trace metrics and scores, and the run-level scores."""

    run: Any
    items: list[dict[str, Any]]
    run_scores: dict[str, Any]
    prompts: list[dict[str, Any]]

    def aggregate(self) -> dict[str, Any]:
        latencies = [i["latency_ms"] for i in self.items if i["latency_ms"] is not None]
        costs = [i["cost"] for i in self.items if i["cost"] is not None]
        by_name: dict[str, list[float]] = defaultdict(list)
        for item in self.items:
            for score, value in item["scores"].items():
                by_name[score].append(value)
        models = sorted({m for item in self.items for m in item["models"]})
        return {
            "item_count": len(self.items),
            "models": models,
            "prompts": self.prompts,
            "avg_latency_ms": fmean(latencies) if latencies else None,
            "total_cost": sum(costs) if costs else None,
            "avg_cost": fmean(costs) if costs else None,
            "scores": {n: {"avg": fmean(v), "count": len(v)} for n, v in sorted(by_name.items())},
            "run_scores": self.run_scores,
        }


def results(
    rt: Runtime, scope: ProjectScope, name: str, run_names: list[str]
) -> tuple[Any, list[RunResults], dict[str, Any]]:
    """Each run's per-item results (and the dataset items they refer to, by id)."""
    with rt.db.reader.connect() as conn:
        dataset = require_dataset(conn, scope, name)
        runs = [_run(conn, scope, dataset, run_name) for run_name in run_names]
        rows = run_store.run_items(conn, scope.project_rowid, [r["run_rowid"] for r in runs])
        trace_ids = list({r["trace_id"] for r in rows if r["trace_id"]})
        scores = _scores_by_trace(run_store.trace_scores(conn, scope.project_rowid, trace_ids))
        out = [_run_results(conn, scope, run, rows, scores) for run in runs]
        items = store.items_by_id(
            conn, dataset["dataset_rowid"], list({r["dataset_item_id"] for r in rows})
        )
    return dataset, out, items


def _run_results(
    conn: Connection,
    scope: ProjectScope,
    run: Any,
    rows: list[Any],
    scores: dict[str, dict[str, float]],
) -> RunResults:
    mine = [r for r in rows if r["run_rowid"] == run["run_rowid"]]
    trace_ids = list({r["trace_id"] for r in mine if r["trace_id"]})
    prompts = [
        {"name": p["prompt_name"], "version": p["prompt_version"]}
        for p in run_store.trace_prompts(conn, scope.project_rowid, trace_ids)
    ]
    level = {
        s["name"]: s["value"] if s["string_value"] is None else s["string_value"]
        for s in run_store.run_level_scores(conn, scope.project_rowid, run["id"])
    }
    items = [_item_result(r, scores.get(r["trace_id"], {})) for r in mine]
    return RunResults(run, items, level, prompts)


def _scores_by_trace(rows: list[Any]) -> dict[str, dict[str, float]]:
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["value"] is not None:
            values[row["trace_id"]][row["name"]].append(float(row["value"]))
    return {t: {n: fmean(v) for n, v in by_name.items()} for t, by_name in values.items()}


def _item_result(row: Any, scores: dict[str, float]) -> dict[str, Any]:
    return {
        "dataset_item_id": row["dataset_item_id"],
        "trace_id": row["trace_id"],
        "observation_id": row["observation_id"],
        "output": jsontext.loads(row["output"]),
        "status": row["status"],
        "latency_ms": row["latency_ms"],
        "cost": row["cost"],
        "total_tokens": row["total_tokens"],
        "models": jsontext.loads(row["models"]) or [],
        "scores": scores,
    }


def link_by_item(
    rt: Runtime, scope: ProjectScope, run_name: str, body: RunItemIn, run: RunIn | None = None
) -> tuple[Any, Any, Any]:
    """Langfuse's form: the item names its dataset; the run is created on first use."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        item = store.current_item(conn, scope.project_rowid, body.dataset_item_id)
        if item is None:
            raise NotFound(f"Dataset item not found: {body.dataset_item_id!r}.")
        dataset = store.find_dataset_by_rowid(conn, item["dataset_rowid"])
        project = (scope.project_rowid, scope.project_id)
        description, metadata = (run.description, run.metadata) if run else (None, None)
        found = ensure_run(conn, project, dataset, run_name, description, metadata)
        return dataset, found, link_item(conn, scope, dataset, found, body)


def run_items_page(
    rt: Runtime, scope: ProjectScope, dataset_id: str, run_name: str, limit: int, offset: int
) -> tuple[list[Any], int]:
    with rt.db.reader.connect() as conn:
        dataset = store.find_dataset(conn, scope.project_rowid, id=dataset_id)
        if dataset is None:
            raise NotFound(f"Dataset not found: {dataset_id!r}.")
        run = _run(conn, scope, dataset, run_name)
        rows = run_store.run_items(conn, scope.project_rowid, [run["run_rowid"]], limit, offset)
        total = run_store.count_run_items(conn, [run["run_rowid"]])
    return rows, total


def get_run(
    rt: Runtime, scope: ProjectScope, name: str, run_name: str
) -> tuple[Any, Any, list[Any]]:
    """The dataset, the run and its item links."""
    with rt.db.reader.connect() as conn:
        dataset = require_dataset(conn, scope, name)
        run = _run(conn, scope, dataset, run_name)
        rows = run_store.run_items(conn, scope.project_rowid, [run["run_rowid"]])
    return dataset, run, rows


def experiments(
    rt: Runtime,
    scope: ProjectScope,
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    limit: int,
    offset: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[Any]:
    """Runs in a start-time window (Langfuse's experiment reads)."""
    with rt.db.reader.connect() as conn:
        return run_store.experiments(
            conn, scope.project_rowid, window, filters, limit, offset, conditions
        )


def experiment_items(
    rt: Runtime,
    scope: ProjectScope,
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    limit: int,
    offset: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[Any]:
    with rt.db.reader.connect() as conn:
        return run_store.experiment_items(
            conn, scope.project_rowid, window, filters, limit, offset, conditions
        )
