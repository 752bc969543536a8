"""The real `langfuse` SDK's dataset and experiment calls, configured only by environment:
create a dataset and items, read it back (also as of a past time), run an experiment on it
with item and run evaluators, and a local-data experiment. Prints what it saw as JSON."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

from langfuse import Evaluation, get_client

CAPITALS = {"Italy": "Rome", "France": "Paris", "Spain": "Madrid"}


def task(*, item: Any, **kwargs: Any) -> str:
    question = item.input["country"] if hasattr(item, "input") else item["input"]["country"]
    return "Rome" if question == "Italy" else "Paris"


def exact(*, output: Any, expected_output: Any, **kwargs: Any) -> Evaluation:
    return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0)


def accuracy(*, item_results: Any, **kwargs: Any) -> Evaluation:
    values = [e.value for r in item_results for e in r.evaluations if e.name == "exact"]
    return Evaluation(name="accuracy", value=sum(values) / len(values))


def main(name: str) -> None:
    lf = get_client()
    out: dict[str, Any] = {}
    made = lf.create_dataset(name=name, description="capitals", metadata={"owner": "qa"})
    out["dataset_id"] = made.id
    for country, capital in list(CAPITALS.items())[:2]:
        item = lf.create_dataset_item(
            dataset_name=name,
            input={"country": country},
            expected_output=capital,
            metadata={"region": "eu"},
        )
    out["item_id"] = item.id
    time.sleep(0.05)
    before_third = datetime.now(UTC)
    time.sleep(0.05)
    lf.create_dataset_item(dataset_name=name, input={"country": "Spain"}, expected_output="Madrid")
    dataset = lf.get_dataset(name, fetch_items_page_size=2)
    out["items"] = sorted(i.input["country"] for i in dataset.items)
    out["items_then"] = len(lf.get_dataset(name, version=before_third).items)
    result = dataset.run_experiment(
        name="capitals-exp",
        run_name="baseline",
        task=task,
        evaluators=[exact],
        run_evaluators=[accuracy],
        metadata={"model": "stub", "prompt_version": "2"},
    )
    out["experiment_id"] = result.experiment_id
    out["traces"] = sorted(r.trace_id for r in result.item_results if r.trace_id)
    lf.flush()
    since = datetime(2020, 1, 1, tzinfo=UTC)
    listed = lf.api.experiments.list(from_start_time=since, id=result.experiment_id)
    out["experiments"] = [(e.id, e.name, e.item_count) for e in listed.data]
    items = lf.api.experiments.list_items(from_start_time=since, experiment_id=result.experiment_id)
    out["experiment_items"] = sorted(i.expected_output for i in items.data)
    local = lf.run_experiment(
        name="local", data=[{"input": {"country": "Italy"}, "expected_output": "Rome"}], task=task
    )
    out["local_items"] = len(local.item_results)
    lf.flush()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
