"""The real `langfuse` 5.x SDK's dataset and experiment calls against a real server process:
datasets and items round-trip, items read as of a past time, and `dataset.run_experiment`
becomes a run whose items link to their traces, with item and run-level scores."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import LiveServer
from tests.prompts.test_langfuse_prompts import run_app

from tracehouse.datasets.runs import run_id

APP = Path(__file__).with_name("langfuse_datasets_app.py")


@pytest.fixture(scope="module")
def seen(live_server: LiveServer) -> dict[str, Any]:
    name = f"sdk/capitals-{uuid.uuid4().hex[:6]}"
    return {**run_app(live_server, APP, name), "name": name}


def _run_results(server: LiveServer, name: str) -> dict[str, Any]:
    """The run once every item's trace and scores have landed (exports finish in order)."""
    deadline = time.monotonic() + 10
    while True:
        response = httpx.get(
            f"{server.url}/api/v1/datasets/{name}/runs/baseline", headers=server.auth, timeout=10
        )
        body: dict[str, Any] = response.json()
        summary = body.get("summary", {})
        if (
            response.status_code == 200
            and summary.get("scores", {}).get("exact", {}).get("count") == 3
            and summary.get("run_scores")
        ):
            return body
        assert time.monotonic() < deadline, response.text
        time.sleep(0.1)


def test_datasets_round_trip(live_server: LiveServer, seen: dict[str, Any]) -> None:
    assert seen["items"] == ["France", "Italy", "Spain"]
    assert seen["items_then"] == 2
    dataset = live_server.get(f"/api/v1/datasets/{seen['name']}")
    assert dataset["id"] == seen["dataset_id"] and dataset["metadata"] == {"owner": "qa"}
    assert dataset["item_count"] == 3
    item = live_server.get(f"/api/public/dataset-items/{seen['item_id']}")
    assert item["expectedOutput"] == "Paris" and item["mediaReferences"] == []


def test_experiment_becomes_a_run(live_server: LiveServer, seen: dict[str, Any]) -> None:
    project_id = live_server.get("/api/public/projects")["data"][0]["id"]
    assert seen["experiment_id"] == run_id(project_id, seen["dataset_id"], "baseline")
    run = _run_results(live_server, seen["name"])
    assert run["id"] == seen["experiment_id"]
    assert run["metadata"] == {"model": "stub", "prompt_version": "2"}
    assert sorted(i["trace_id"] for i in run["items"]) == seen["traces"]
    outputs = {i["output"] for i in run["items"]}
    assert outputs == {"Rome", "Paris"}
    assert run["summary"]["scores"]["exact"] == {"avg": pytest.approx(2 / 3), "count": 3}
    assert run["summary"]["run_scores"] == {"accuracy": pytest.approx(2 / 3)}
    assert run["summary"]["item_count"] == 3
    legacy = live_server.get(
        "/api/public/dataset-run-items", datasetId=seen["dataset_id"], runName="baseline"
    )
    assert legacy["meta"]["totalItems"] == 3
    assert {r["datasetRunId"] for r in legacy["data"]} == {seen["experiment_id"]}
    assert seen["experiments"] == [[seen["experiment_id"], "baseline", 3]]
    assert seen["experiment_items"] == ["Madrid", "Paris", "Rome"]
    assert seen["local_items"] == 1  # local data runs too (no dataset, so no run to link)
