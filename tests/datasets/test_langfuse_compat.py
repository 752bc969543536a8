"""Langfuse's prompt and dataset endpoints over HTTP on SQLite and PostgreSQL: the shapes the
SDK's strict parser needs, upserts, versions, legacy run items, experiment spans (OTLP/JSON,
as the SDK sends them) becoming runs, run-level scores, and project scoping."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from tests.conftest import PUBLIC_KEY, SECRET_KEY, Harness

from tracehouse.datasets.runs import run_id

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
BASIC = {
    "Authorization": "Basic " + base64.b64encode(f"{PUBLIC_KEY}:{SECRET_KEY}".encode()).decode()
}


async def call(th: Harness, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    kwargs["headers"] = {**BASIC, **kwargs.get("headers", {})}
    response = await th.client.request(method, f"/api/public{path}", **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def test_prompt_endpoints(th: Harness) -> None:
    text = {
        "name": "f/greet",
        "prompt": "Hi {{n}}",
        "config": None,
        "labels": ["production"],
        "tags": None,
        "commitMessage": None,
    }
    made = await call(th, "POST", "/v2/prompts", 201, json=text)
    assert made["type"] == "text" and made["config"] == {} and made["tags"] == []
    assert made["labels"] == ["production", "latest"] and made["commitMessage"] is None
    chat = {"name": "f/greet", "type": "chat", "prompt": [{"role": "user", "content": "x"}]}
    await call(th, "POST", "/v2/prompts", 400, json=chat)  # the type is fixed
    await call(th, "POST", "/v2/prompts", 201, json={"name": "f/greet", "prompt": "v2"})
    got = await call(th, "GET", "/v2/prompts/f%2Fgreet")
    assert (got["version"], got["prompt"], got["labels"]) == (1, "Hi {{n}}", ["production"])
    assert (await call(th, "GET", "/v2/prompts/f%2Fgreet", params={"version": 2}))["prompt"] == "v2"
    patched = await call(
        th, "PATCH", "/v2/prompts/f%2Fgreet/versions/2", json={"newLabels": ["production"]}
    )
    assert patched["labels"] == ["latest", "production"]
    listed = await call(th, "GET", "/v2/prompts")
    assert listed["data"][0]["versions"] == [1, 2] and listed["meta"]["totalItems"] == 1
    await call(th, "DELETE", "/v2/prompts/f%2Fgreet", 204, params={"version": 2})
    missing = await call(th, "GET", "/v2/prompts/f%2Fgreet", 404)  # production went with v2
    assert missing["message"] == "Prompt not found: 'f/greet' with label 'production'"
    await call(th, "DELETE", "/v2/prompts/f%2Fgreet", 204)
    await call(th, "GET", "/v2/prompts/f%2Fgreet", 404, params={"label": "latest"})


async def test_dataset_endpoints(th: Harness) -> None:
    body = {
        "name": "caps",
        "description": None,
        "metadata": None,
        "inputSchema": None,
        "expectedOutputSchema": None,
    }
    made = await call(th, "POST", "/v2/datasets", json=body)
    again = await call(th, "POST", "/v2/datasets", json={**body, "description": "d"})
    assert again["id"] == made["id"] and again["description"] == "d" and "metadata" in again
    item = {
        "datasetName": "caps",
        "input": {"c": "IT"},
        "expectedOutput": "Rome",
        "metadata": None,
        "sourceTraceId": None,
        "sourceObservationId": None,
        "id": "li-1",
        "status": None,
    }
    first = await call(th, "POST", "/dataset-items", json=item)
    assert first["status"] == "ACTIVE" and first["mediaReferences"] == []
    assert (first["datasetId"], first["datasetName"]) == (made["id"], "caps")
    second = await call(th, "POST", "/dataset-items", json={**item, "expectedOutput": "Roma"})
    assert second["createdAt"] == first["createdAt"] and second["version"] > first["version"]
    await call(th, "POST", "/dataset-items", json={**item, "id": "li-2", "input": {"c": "FR"}})
    page = await call(th, "GET", "/dataset-items", params={"datasetName": "caps", "limit": 1})
    assert page["meta"] == {"page": 1, "limit": 1, "totalItems": 2, "totalPages": 2}
    old = await call(
        th, "GET", "/dataset-items", params={"datasetName": "caps", "version": first["version"]}
    )
    assert [(i["id"], i["expectedOutput"]) for i in old["data"]] == [("li-1", "Rome")]
    assert (await call(th, "GET", "/dataset-items/li-1"))["expectedOutput"] == "Roma"
    v1 = await call(th, "GET", "/datasets/caps")
    assert len(v1["items"]) == 2 and v1["runs"] == []

    link = {"runName": "r1", "metadata": {"model": "m"}, "datasetItemId": "li-1", "traceId": "t-1"}
    run_item = await call(th, "POST", "/dataset-run-items", json=link)
    assert run_item["datasetRunName"] == "r1" and run_item["traceId"] == "t-1"
    project = (await call(th, "GET", "/projects"))["data"][0]["id"]
    assert run_item["datasetRunId"] == run_id(project, made["id"], "r1")
    run = await call(th, "GET", "/datasets/caps/runs/r1")
    assert run["metadata"] == {"model": "m"} and len(run["datasetRunItems"]) == 1
    runs = await call(th, "GET", "/datasets/caps/runs")
    assert runs["data"][0]["name"] == "r1" and runs["meta"]["totalItems"] == 1
    await call(th, "POST", "/dataset-run-items", 404, json={**link, "datasetItemId": "nope"})
    await call(th, "DELETE", "/datasets/caps/runs/r1")
    await call(th, "DELETE", "/dataset-items/li-2")
    await call(th, "GET", "/dataset-items/li-2", 404)


def _attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _experiment_span(
    trace: str, span_id: str, name: str, item: str, parent: str = ""
) -> dict[str, Any]:
    attrs = {
        "langfuse.experiment.id": "exp0123456789abc",
        "langfuse.experiment.name": "sdk-run",
        "langfuse.experiment.metadata": '{"model": "m-1"}',
        "langfuse.experiment.dataset.id": DATASET_ID_PLACEHOLDER,
        "langfuse.experiment.item.id": item,
        "langfuse.experiment.item.root_observation_id": "b" * 15 + item[-1],
        "langfuse.environment": "sdk-experiment",
    }
    return {
        "traceId": trace,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": "1762000000000000000",
        "endTimeUnixNano": "1762000002000000000",
        "attributes": [_attr(k, v) for k, v in attrs.items()],
    }


DATASET_ID_PLACEHOLDER = "__dataset__"


async def test_experiment_spans_become_a_run(th: Harness) -> None:
    dataset = await call(th, "POST", "/v2/datasets", json={"name": "exp"})
    for item in ("i1", "i2"):
        await call(
            th, "POST", "/dataset-items", json={"datasetName": "exp", "id": item, "input": item}
        )
    spans = []
    for n, item in enumerate(("i1", "i2")):
        trace = f"{n + 1:032x}"
        spans += [
            _experiment_span(trace, "a" * 15 + item[-1], "experiment-item-run", item),
            _experiment_span(
                trace, "b" * 15 + item[-1], "experiment-item-task", item, "a" * 15 + item[-1]
            ),
        ]
    body = orjson.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]})
    body = body.replace(DATASET_ID_PLACEHOLDER.encode(), dataset["id"].encode())
    response = await th.client.post(
        "/api/public/otel/v1/traces",
        content=body,
        headers={**BASIC, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    scores = [
        {"traceId": f"{1:032x}", "observationId": "b" * 15 + "1", "name": "exact", "value": 1.0},
        {"traceId": f"{2:032x}", "observationId": "b" * 15 + "2", "name": "exact", "value": 0.0},
        {"datasetRunId": "exp0123456789abc", "name": "accuracy", "value": 0.5},
    ]
    assert (await call(th, "POST", "/scores", 202, json=scores))["message"] == "Accepted"
    run = (await th.client.get("/api/v1/datasets/exp/runs/sdk-run", headers=th.auth)).json()
    assert run["id"] == "exp0123456789abc" and run["metadata"] == {"model": "m-1"}
    assert {(i["dataset_item_id"], i["observation_id"]) for i in run["items"]} == {
        ("i1", "b" * 15 + "1"),
        ("i2", "b" * 15 + "2"),
    }
    assert run["summary"]["scores"] == {"exact": {"avg": 0.5, "count": 2}}
    assert run["summary"]["run_scores"] == {"accuracy": 0.5}
    assert run["summary"]["avg_latency_ms"] == pytest.approx(2000.0)
    await _experiment_reads(th, dataset["id"])
    # Spans naming a dataset of another project (or none) are kept and link nothing.
    _, other = await th.new_project("other")
    response = await th.client.post(
        "/api/public/otel/v1/traces",
        content=body,
        headers={**other, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert (await th.client.get("/api/public/datasets/exp/runs", headers=other)).status_code == 404


async def _experiment_reads(th: Harness, dataset_id: str) -> None:
    window = {"fromStartTime": "2025-11-01T00:00:00Z"}
    listed = await call(th, "GET", "/experiments", params=window)
    assert listed["meta"] == {}
    (exp,) = listed["data"]
    assert (exp["id"], exp["name"], exp["itemCount"]) == ("exp0123456789abc", "sdk-run", 2)
    assert exp["datasetId"] == dataset_id and exp["metadata"] == {"model": "m-1"}
    assert exp["startTime"].startswith("2025-11-01T12:26:40")
    later = await call(th, "GET", "/experiments", params={"fromStartTime": "2026-01-01T00:00:00Z"})
    assert later["data"] == []
    first = await call(th, "GET", "/experiment-items", params={**window, "limit": 1})
    assert len(first["data"]) == 1 and "cursor" in first["meta"]
    rest = await call(
        th, "GET", "/experiment-items", params={**window, "cursor": first["meta"]["cursor"]}
    )
    items = first["data"] + rest["data"]
    assert sorted(i["experimentItemId"] for i in items) == ["i1", "i2"] and rest["meta"] == {}
    one = items[0]
    assert one["experimentId"] == "exp0123456789abc" and one["level"] == "DEFAULT"
    assert one["input"] == one["experimentItemId"]  # the item's input, stored on the item
    assert one["experimentMetadata"] == {"model": "m-1"}
    await call(th, "GET", "/experiments", 422)  # fromStartTime is required


async def test_project_scoping(th: Harness) -> None:
    await call(
        th, "POST", "/v2/prompts", 201, json={"name": "p", "prompt": "x", "labels": ["production"]}
    )
    await call(th, "POST", "/v2/datasets", json={"name": "d"})
    await call(th, "POST", "/dataset-items", json={"datasetName": "d", "id": "scoped", "input": 1})
    _, other = await th.new_project("elsewhere")
    for path in ("/v2/prompts/p", "/v2/datasets/d", "/dataset-items/scoped", "/datasets/d/runs"):
        response = await th.client.get(f"/api/public{path}", headers=other)
        assert response.status_code == 404, path
    listed = await th.client.get("/api/public/dataset-items", headers=other)
    assert listed.json()["data"] == []
    assert (await th.client.get("/api/public/v2/prompts", headers=other)).json()["data"] == []
    taken = await th.client.post(
        "/api/public/dataset-items",
        json={"datasetName": "d", "id": "scoped", "input": 2},
        headers=other,
    )
    assert taken.status_code == 404  # no dataset `d` in that project
