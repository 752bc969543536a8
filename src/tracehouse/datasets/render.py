"""Datasets, items and runs as the native API shows them (snake_case)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.datasets.runs import RunResults
from tracehouse.datasets.service import Item


def dataset(row: Any, item_count: int | None = None) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "metadata": jsontext.loads(row["metadata"]),
        "input_schema": jsontext.loads(row["input_schema"]),
        "expected_output_schema": jsontext.loads(row["expected_output_schema"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
    if item_count is not None:
        body["item_count"] = item_count
    return body


def item(found: Item) -> dict[str, Any]:
    row = found.row
    return {
        "id": row["id"],
        "dataset_id": found.dataset["id"],
        "dataset_name": found.dataset["name"],
        "status": row["status"],
        "input": jsontext.loads(row["input"]),
        "expected_output": jsontext.loads(row["expected_output"]),
        "metadata": jsontext.loads(row["metadata"]),
        "source_trace_id": row["source_trace_id"],
        "source_observation_id": row["source_observation_id"],
        "created_at": iso(row["created_at"]),
        "valid_from": iso(row["valid_from"]),
        "valid_to": iso(row["valid_to"]),
    }


def run(row: Any, item_count: int | None = None) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "metadata": jsontext.loads(row["metadata"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
    if item_count is not None:
        body["item_count"] = item_count
    return body


def run_item(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dataset_item_id": row["dataset_item_id"],
        "trace_id": row["trace_id"],
        "observation_id": row["observation_id"],
        "created_at": iso(row["created_at"]),
    }


def results(found: RunResults) -> dict[str, Any]:
    return {**run(found.run), "summary": found.aggregate(), "items": found.items}


def comparison(runs: list[RunResults], items: dict[str, Any]) -> dict[str, Any]:
    """Runs side by side: each item once, with every run's result for it (or null)."""
    by_item: dict[str, dict[str, Any]] = {}
    for found in runs:
        for result in found.items:
            by_item.setdefault(result["dataset_item_id"], {})[found.run["name"]] = result
    rows = []
    for item_id, results_by_run in by_item.items():
        stored = items.get(item_id)
        rows.append(
            {
                "dataset_item_id": item_id,
                "input": jsontext.loads(stored["input"]) if stored else None,
                "expected_output": jsontext.loads(stored["expected_output"]) if stored else None,
                "runs": {f.run["name"]: results_by_run.get(f.run["name"]) for f in runs},
            }
        )
    return {
        "runs": [{**run(f.run), "summary": f.aggregate()} for f in runs],
        "items": rows,
    }
