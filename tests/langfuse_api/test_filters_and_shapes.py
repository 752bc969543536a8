"""Langfuse's public reads as its SDK's own end-to-end suite expects them, on SQLite and
PostgreSQL: the JSON `filter` on traces, observations and scores (and a 400 for a bad one),
`GET /v2/scores/{id}`, a score event's envelope time, and the shapes Langfuse gives (a trace's
`externalId`, usage details under the keys given, model parameters as strings, dataset items
newest first). Responses are parsed with the `langfuse` package's own models."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from langfuse.api import DatasetItem, ObservationV2, Score
from langfuse.api.core.pydantic_utilities import parse_obj_as
from tests.conftest import Harness
from tests.langfuse_api.test_public_api import BASIC, event, post_batch

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


def _trace(i: int, name: str, tags: list[str], tenant: str) -> dict[str, Any]:
    body = {
        "id": f"ft-{i}",
        "name": name,
        "timestamp": f"2026-11-20T10:00:0{i}Z",
        "tags": tags,
        "metadata": {"tenant": tenant, "n": i},
        "userId": f"u{i}",
    }
    return event(f"e-ft-{i}", "trace-create", body)


def _generation(i: int) -> dict[str, Any]:
    body = {
        "id": f"fg-{i}",
        "traceId": f"ft-{i}",
        "name": "llm",
        "startTime": f"2026-11-20T10:00:0{i}Z",
        "endTime": f"2026-11-20T10:00:0{i}.500Z",
        "model": "gpt-4o-mini",
        "metadata": {"step": "answer" if i % 2 else "draft"},
        "modelParameters": {"temperature": 0.9, "max_tokens": "1000", "stop": ["a", "b"]},
        "usageDetails": {"prompt_tokens": 10 + i, "completion_tokens": 20},
    }
    return event(f"e-fg-{i}", "generation-create", body)


async def _seed(th: Harness) -> None:
    batch = [
        _trace(i, "even" if i % 2 == 0 else "odd", [f"t{i % 3}"], f"acme-{i % 2}") for i in range(6)
    ]
    batch += [_generation(i) for i in range(6)]
    batch += [
        event(
            f"e-fs-{i}",
            "score-create",
            {"id": f"fs-{i}", "traceId": f"ft-{i}", "name": "q", "value": i / 10},
        )
        for i in range(6)
    ]
    assert (await post_batch(th, batch))["errors"] == []


async def _get(th: Harness, path: str, status: int = 200, **params: Any) -> Any:
    response = await th.client.get(f"/api/public{path}", params=params, headers=BASIC)
    assert response.status_code == status, response.text
    return response.json()


def _filter(*conditions: dict[str, Any]) -> str:
    return orjson.dumps(list(conditions)).decode()


async def _trace_ids(th: Harness, *conditions: dict[str, Any]) -> list[str]:
    body = await _get(th, "/traces", filter=_filter(*conditions), orderBy="timestamp.asc")
    return [t["id"] for t in body["data"]]


async def test_trace_filter_matches_or_returns_nothing(th: Harness) -> None:
    await _seed(th)
    nothing = {"type": "string", "column": "name", "operator": "=", "value": "no-such-trace"}
    assert await _trace_ids(th, nothing) == []  # was: every trace
    tagged = {"type": "arrayOptions", "column": "tags", "operator": "any of", "value": ["t1"]}
    assert await _trace_ids(th, tagged) == ["ft-1", "ft-4"]
    since = {
        "type": "datetime",
        "column": "timestamp",
        "operator": ">=",
        "value": "2026-11-20T10:00:03Z",
    }
    odd = {"type": "stringOptions", "column": "name", "operator": "any of", "value": ["odd"]}
    assert await _trace_ids(th, since, odd) == ["ft-3", "ft-5"]
    tenant = {
        "type": "stringObject",
        "column": "metadata",
        "key": "tenant",
        "operator": "=",
        "value": "acme-0",
    }
    assert await _trace_ids(th, tenant) == ["ft-0", "ft-2", "ft-4"]
    big = {"type": "numberObject", "column": "metadata", "key": "n", "operator": ">", "value": 3}
    assert await _trace_ids(th, big) == ["ft-4", "ft-5"]
    starts = {"type": "string", "column": "userId", "operator": "starts with", "value": "u5"}
    none_of = {
        "type": "arrayOptions",
        "column": "tags",
        "operator": "none of",
        "value": ["t0", "t1"],
    }
    assert await _trace_ids(th, starts) == ["ft-5"] and await _trace_ids(th, none_of) == [
        "ft-2",
        "ft-5",
    ]
    page = await _get(th, "/traces", filter=_filter(odd), limit=2)
    assert page["meta"]["totalItems"] == 3 and len(page["data"]) == 2


async def test_observation_and_score_filters(th: Harness) -> None:
    await _seed(th)
    draft = {
        "type": "stringObject",
        "column": "metadata",
        "key": "step",
        "operator": "=",
        "value": "draft",
    }
    generations = {"type": "string", "column": "type", "operator": "=", "value": "GENERATION"}
    v2 = await _get(th, "/v2/observations", filter=_filter(draft, generations))
    assert sorted(o["id"] for o in v2["data"]) == ["fg-0", "fg-2", "fg-4"]
    roots = {"type": "boolean", "column": "isRootObservation", "operator": "=", "value": True}
    late = {
        "type": "datetime",
        "column": "startTime",
        "operator": ">",
        "value": "2026-11-20T10:00:04Z",
    }
    v2 = await _get(th, "/v2/observations", filter=_filter(roots, late))
    assert [o["id"] for o in v2["data"]] == ["fg-5"]
    v1 = await _get(
        th,
        "/observations",
        filter=_filter({"type": "string", "column": "traceName", "operator": "=", "value": "odd"}),
    )
    assert v1["meta"]["totalItems"] == 3
    high = {"type": "number", "column": "value", "operator": ">=", "value": 0.4}
    v2_scores = await _get(th, "/v2/scores", filter=_filter(high))
    assert sorted(s["id"] for s in v2_scores["data"]) == ["fs-4", "fs-5"]
    v3_scores = await _get(
        th,
        "/v3/scores",
        filter=_filter(
            high, {"type": "string", "column": "traceId", "operator": "=", "value": "ft-5"}
        ),
    )
    assert [s["id"] for s in v3_scores["data"]] == ["fs-5"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "string"}', "JSON array"),
        ('[{"type": "string", "column": "nope", "operator": "=", "value": "x"}]', "unknown column"),
        ('[{"type": "string", "column": "name", "operator": "~", "value": "x"}]', "operator"),
        ('[{"type": "banana", "column": "name", "operator": "=", "value": "x"}]', "malformed"),
        ('[{"type": "stringObject", "column": "metadata", "operator": "=", "value": "x"}]', "key"),
        ('[{"type": "number", "column": "id", "operator": ">", "value": "slow"}]', "number"),
        (
            '[{"type": "datetime", "column": "timestamp", "operator": ">", "value": "soon"}]',
            "timestamp",
        ),
    ],
)
async def test_a_malformed_filter_is_a_400_that_says_why(th: Harness, text: str, says: str) -> None:
    for path in ("/traces", "/v2/observations", "/v2/scores"):
        body = await _get(th, path, 400, filter=text)
        assert says in body["message"], body["message"]
        assert body["error"]["code"] == "invalid_request"


async def test_score_by_id_and_envelope_time(th: Harness) -> None:
    await post_batch(th, [_trace(1, "t", [], "x")])
    stamped = {
        "id": "env-time",
        "type": "score-create",
        "timestamp": "2026-11-21T08:30:00.000Z",
        "body": {"id": "sc-env", "traceId": "ft-1", "name": "helpful", "value": 1},
    }
    assert (await post_batch(th, [stamped]))["errors"] == []
    score = parse_obj_as(Score, await _get(th, "/v2/scores/sc-env"))
    assert (score.id, score.name, score.trace_id) == ("sc-env", "helpful", "ft-1")
    assert score.timestamp.isoformat().startswith("2026-11-21T08:30:00")  # was: the write time
    missing = await _get(th, "/v2/scores/nope", 404)
    assert "not found" in missing["message"]


async def test_langfuse_shapes(th: Harness) -> None:
    await _seed(th)
    trace = await _get(th, "/traces/ft-1")
    assert "externalId" in trace and trace["externalId"] is None
    assert all("externalId" in t for t in (await _get(th, "/traces"))["data"])
    parameters = {"temperature": "0.9", "max_tokens": "1000", "stop": '["a","b"]'}
    usage = {"prompt_tokens": 11, "completion_tokens": 20, "total": 31}  # keys kept, total added
    gen = trace["observations"][0]
    assert (gen["usageDetails"], gen["modelParameters"]) == (usage, parameters)
    v2 = await _get(th, "/v2/observations", traceId="ft-1", fields="core,model,usage")
    parsed = parse_obj_as(ObservationV2, v2["data"][0])
    assert (parsed.usage_details, parsed.model_parameters) == (usage, parameters)
    native = (await th.client.get("/api/v1/observations/fg-1", headers=th.auth)).json()
    assert native["usage"]["input_tokens"] == 11  # the native API keeps its own forms
    assert native["model_parameters"]["temperature"] == 0.9


async def test_dataset_items_newest_first(th: Harness) -> None:
    dataset = {"name": "order", "metadata": None}
    assert (
        await th.client.post("/api/public/v2/datasets", json=dataset, headers=BASIC)
    ).status_code == 200
    for i in range(3):
        item = {"datasetName": "order", "id": f"oi-{i}", "input": i}
        response = await th.client.post("/api/public/dataset-items", json=item, headers=BASIC)
        assert response.status_code == 200, response.text
    page = await _get(th, "/dataset-items", datasetName="order")
    items = parse_obj_as(list[DatasetItem], page["data"])
    assert [i.id for i in items] == ["oi-2", "oi-1", "oi-0"]


async def _post(th: Harness, path: str, body: dict[str, Any]) -> Any:
    response = await th.client.post(f"/api/public{path}", json=body, headers=BASIC)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_prompt_and_experiment_filters(th: Harness) -> None:
    for name in ("tools/search", "tools/search", "tools/describe", "greet"):
        await _post(th, "/v2/prompts", {"name": name, "prompt": f"{name} prompt"})
    starts = {"type": "string", "column": "name", "operator": "starts with", "value": "tools/"}
    listed = await _get(th, "/v2/prompts", filter=_filter(starts))
    assert sorted(p["name"] for p in listed["data"]) == ["tools/describe", "tools/search"]
    second = {"type": "number", "column": "version", "operator": ">=", "value": 2}
    assert [p["name"] for p in (await _get(th, "/v2/prompts", filter=_filter(second)))["data"]] == [
        "tools/search"
    ]
    await _get(th, "/v2/prompts", 400, filter=_filter({**second, "column": "nope"}))

    await _post(th, "/v2/datasets", {"name": "exp-filter", "metadata": None})
    for run in ("run-a", "run-b"):
        await _post(
            th, "/dataset-items", {"datasetName": "exp-filter", "id": f"i-{run}", "input": 1}
        )
        link = {"runName": run, "datasetItemId": f"i-{run}", "traceId": f"t-{run}"}
        await _post(th, "/dataset-run-items", link)
    since = {"fromStartTime": "2000-01-01T00:00:00Z"}
    run_a = {"type": "string", "column": "name", "operator": "=", "value": "run-a"}
    found = await _get(th, "/experiments", **since, filter=_filter(run_a))
    assert [e["name"] for e in found["data"]] == ["run-a"]
    by_run = {
        "type": "stringOptions",
        "column": "experimentName",
        "operator": "any of",
        "value": ["run-b"],
    }
    items = await _get(th, "/experiment-items", **since, filter=_filter(by_run))
    assert [i["experimentItemId"] for i in items["data"]] == ["i-run-b"]
    await _get(th, "/experiments", 400, **since, filter="[1]")
