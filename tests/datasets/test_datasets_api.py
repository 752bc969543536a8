"""Datasets over HTTP on SQLite and PostgreSQL: items by hand, from traces and uploaded;
archive; versions by time; runs linking items to traces, their results and comparison;
project scoping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
API = "/api/v1/datasets"


async def call(th: Harness, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    kwargs["headers"] = {**th.auth, **kwargs.get("headers", {})}
    response = await th.client.request(method, f"{API}{path}", **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def test_items_versions_and_archive(th: Harness) -> None:
    made = await call(th, "POST", "", 201, json={"name": "qa/capitals", "metadata": {"v": 1}})
    assert made["item_count"] == 0 and made["metadata"] == {"v": 1}
    await call(th, "POST", "", 409, json={"name": "qa/capitals"})
    await call(th, "POST", "", 422, json={"name": "qa/items"})  # could not be addressed
    one = await call(
        th,
        "POST",
        "/qa/capitals/items",
        201,
        json={
            "id": "it-1",
            "input": {"q": "Italy"},
            "expectedOutput": "Rome",
            "metadata": {"k": 1},
        },
    )
    assert (one["input"], one["expected_output"], one["status"]) == (
        {"q": "Italy"},
        "Rome",
        "ACTIVE",
    )
    many = await call(
        th,
        "POST",
        "/qa/capitals/items",
        201,
        json=[{"input": {"q": "France"}, "expected_output": "Paris"}, {"input": {"q": "Spain"}}],
    )
    assert len(many["data"]) == 3 - 1
    before_change = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.01)
    patched = await call(th, "PATCH", "/qa/capitals/items/it-1", json={"expected_output": "Roma"})
    assert patched["expected_output"] == "Roma" and patched["input"] == {"q": "Italy"}
    await call(
        th, "PATCH", f"/qa/capitals/items/{many['data'][1]['id']}", json={"status": "ARCHIVED"}
    )
    await call(th, "DELETE", f"/qa/capitals/items/{many['data'][0]['id']}", 204)

    now = await call(th, "GET", "/qa/capitals/items")
    assert [i["id"] for i in now["data"]] == ["it-1"] and now["data"][0][
        "expected_output"
    ] == "Roma"
    with_archived = await call(th, "GET", "/qa/capitals/items", params={"include_archived": True})
    assert len(with_archived["data"]) == 2
    then = await call(th, "GET", "/qa/capitals/items", params={"as_of": before_change})
    assert len(then["data"]) == 3
    assert {i["id"]: i["expected_output"] for i in then["data"]}["it-1"] == "Rome"
    history = await call(th, "GET", "/qa/capitals/items/it-1/history")
    assert [h["expected_output"] for h in history["data"]] == ["Rome", "Roma"]
    assert (await call(th, "GET", "/qa/capitals"))["item_count"] == 1
    listed = await call(th, "GET", "")
    assert [d["name"] for d in listed["data"]] == ["qa/capitals"]

    await call(th, "POST", "", 201, json={"name": "other"})
    await call(th, "POST", "/other/items", 400, json={"id": "it-1", "input": 1})  # ids are global
    await call(th, "PATCH", "/other/items/it-1", 404, json={"status": "ARCHIVED"})


async def test_items_from_traces_and_uploads(th: Harness) -> None:
    await call(th, "POST", "", 201, json={"name": "ds"})
    trace = {
        "id": "src-trace",
        "input": {"question": "2+2"},
        "output": "4",
        "observations": [{"id": "src-gen", "type": "generation", "input": "hi", "output": "yo"}],
    }
    assert (await th.client.post("/api/v1/traces", json=trace, headers=th.auth)).status_code == 201
    from_trace = await call(th, "POST", "/ds/items/from-trace", 201, json={"traceId": "src-trace"})
    assert (from_trace["input"], from_trace["expected_output"]) == ({"question": "2+2"}, "4")
    assert from_trace["source_trace_id"] == "src-trace"
    from_obs = await call(
        th,
        "POST",
        "/ds/items/from-trace",
        201,
        json={"traceId": "src-trace", "observationId": "src-gen", "expectedOutput": "hello"},
    )
    assert (from_obs["input"], from_obs["expected_output"]) == ("hi", "hello")
    await call(th, "POST", "/ds/items/from-trace", 404, json={"traceId": "nope"})

    jsonl = b'{"input": {"q": 1}, "expected_output": 2}\n\n{"input": "x", "metadata": {"a": 1}}\n'
    done = await call(
        th,
        "POST",
        "/ds/items/upload",
        201,
        content=jsonl,
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert done["created"] == 2
    csv_text = 'input,expected_output,metadata\n"{""q"": 3}",6,"{""src"": ""csv""}"\nplain text,,\n'
    done = await call(
        th,
        "POST",
        "/ds/items/upload",
        201,
        content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert done["created"] == 2
    items = {str(i["input"]): i for i in (await call(th, "GET", "/ds/items"))["data"]}
    assert items["{'q': 3}"]["expected_output"] == 6
    assert items["{'q': 3}"]["metadata"] == {"src": "csv"}
    assert items["plain text"]["expected_output"] is None
    bad = await th.client.post(
        f"{API}/ds/items/upload",
        content=b'{"input": 1}\nnot json\n{"x": 1}\n',
        headers={**th.auth, "Content-Type": "application/x-ndjson"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"] == [{"field": "line 2", "message": "not valid JSON"}]
    bad = await th.client.post(
        f"{API}/ds/items/upload",
        content=b'{"input": 1}\n{"x": 1}\n',
        headers={**th.auth, "Content-Type": "application/x-ndjson"},
    )
    assert bad.json()["error"]["details"][0]["field"] == "line 2"
    assert (await call(th, "GET", "/ds"))["item_count"] == 6  # failed uploads wrote nothing


async def _trace(th: Harness, trace_id: str, seconds: int, cost: float, score: float) -> None:
    body = {
        "id": trace_id,
        "timestamp": "2026-11-01T10:00:00Z",
        "output": f"out-{trace_id}",
        "observations": [
            {
                "id": f"{trace_id}-g",
                "type": "generation",
                "startTime": "2026-11-01T10:00:00Z",
                "endTime": f"2026-11-01T10:00:0{seconds}Z",
                "cost": {"total": cost},
                "model": "gpt-4o-mini",
                "promptName": "qa",
                "promptVersion": seconds,
            }
        ],
    }
    assert (await th.client.post("/api/v1/traces", json=body, headers=th.auth)).status_code == 201
    score_body = {"traceId": trace_id, "name": "correct", "value": score}
    assert (
        await th.client.post("/api/v1/scores", json=score_body, headers=th.auth)
    ).status_code == 201


async def test_runs_results_and_comparison(th: Harness) -> None:
    await call(th, "POST", "", 201, json={"name": "eval"})
    await call(
        th, "POST", "/eval/items", 201, json=[{"id": "a", "input": 1}, {"id": "b", "input": 2}]
    )
    meta = {"model": "gpt-4o-mini", "prompt": {"name": "qa", "version": 2}}
    run = await call(th, "POST", "/eval/runs", 201, json={"name": "base", "metadata": meta})
    assert run["metadata"] == meta and len(run["id"]) == 16
    again = await call(th, "POST", "/eval/runs", 201, json={"name": "base"})
    assert again["id"] == run["id"] and again["metadata"] == meta
    await call(th, "POST", "/eval/runs", 201, json={"name": "new"})
    for run_name, item, trace_id, seconds, cost, score in [
        ("base", "a", "t-base-a", 1, 0.1, 1.0),
        ("base", "b", "t-base-b", 3, 0.3, 0.0),
        ("new", "a", "t-new-a", 2, 0.2, 1.0),
    ]:
        await _trace(th, trace_id, seconds, cost, score)
        await call(
            th,
            "POST",
            f"/eval/runs/{run_name}/items",
            201,
            json={"datasetItemId": item, "traceId": trace_id},
        )
    await call(
        th, "POST", "/eval/runs/base/items", 404, json={"datasetItemId": "zz", "traceId": "x"}
    )
    base = await call(th, "GET", "/eval/runs/base")
    assert base["summary"]["item_count"] == 2
    assert base["summary"]["avg_latency_ms"] == pytest.approx(2000.0)
    assert base["summary"]["total_cost"] == pytest.approx(0.4)
    assert base["summary"]["scores"] == {"correct": {"avg": 0.5, "count": 2}}
    assert base["items"][0]["output"] == "out-t-base-a"
    assert base["summary"]["models"] == ["gpt-4o-mini"]  # read from the linked traces
    assert base["summary"]["prompts"] == [
        {"name": "qa", "version": 1},
        {"name": "qa", "version": 3},
    ]
    listed = await call(th, "GET", "/eval/runs")
    assert {r["name"]: r["item_count"] for r in listed["data"]} == {"base": 2, "new": 1}

    compared = await call(th, "GET", "/eval/runs/compare", params={"run": ["base", "new"]})
    assert [r["name"] for r in compared["runs"]] == ["base", "new"]
    rows = {row["dataset_item_id"]: row for row in compared["items"]}
    assert rows["a"]["input"] == 1
    assert rows["a"]["runs"]["new"]["latency_ms"] == pytest.approx(2000.0)
    assert rows["b"]["runs"]["new"] is None and rows["b"]["runs"]["base"]["scores"] == {
        "correct": 0.0
    }
    await call(th, "DELETE", "/eval/runs/new", 204)
    await call(th, "GET", "/eval/runs/new", 404)


async def test_project_scoping(th: Harness) -> None:
    await call(th, "POST", "", 201, json={"name": "mine"})
    await call(th, "POST", "/mine/items", 201, json={"id": "secret-item", "input": "s"})
    _, other = await th.new_project("other")
    for method, path in [
        ("GET", "/mine"),
        ("GET", "/mine/items"),
        ("DELETE", "/mine"),
        ("GET", "/mine/runs"),
    ]:
        response = await th.client.request(method, f"{API}{path}", headers=other)
        assert response.status_code == 404, (path, response.text)
    assert (await th.client.get(API, headers=other)).json()["data"] == []
    made = await th.client.post(API, json={"name": "mine"}, headers=other)
    assert made.status_code == 201  # names are per project
    await call(th, "DELETE", "/mine", 204)
    assert (await th.client.get(f"{API}/mine", headers=other)).status_code == 200


async def test_read_only_key_reads_but_cannot_write(th: Harness) -> None:
    await call(th, "POST", "", 201, json={"name": "ro"})
    await th.client.post("/api/v1/prompts", json={"name": "ro", "prompt": "x"}, headers=th.auth)
    project_id = (await th.client.get("/api/public/projects", headers=th.auth)).json()["data"][0]
    created = await th.client.post(
        f"/api/v1/projects/{project_id['id']}/keys",
        json={"access": "read"},
        headers=await th.admin_token(),
    )
    assert created.status_code == 201, created.text
    ro = {"X-API-Key": created.json()["secret_key"]}
    assert (await th.client.get(f"{API}/ro/items", headers=ro)).status_code == 200
    assert (await th.client.get("/api/v1/prompts/ro", headers=ro)).status_code == 200
    for method, path, body in [
        ("POST", f"{API}/ro/items", {"input": 1}),
        ("POST", f"{API}/ro/runs", {"name": "r"}),
        ("DELETE", f"{API}/ro", None),
        ("POST", "/api/v1/prompts", {"name": "ro", "prompt": "y"}),
        ("PUT", "/api/v1/prompts/ro/labels/production", {"version": 1}),
        ("POST", "/api/public/v2/prompts", {"name": "ro", "prompt": "y"}),
        ("POST", "/api/public/dataset-items", {"datasetName": "ro", "input": 1}),
    ]:
        kwargs = {"json": body} if body is not None else {}
        response = await th.client.request(method, path, headers=ro, **kwargs)
        assert response.status_code == 403, (path, response.text)


async def test_a_run_is_found_by_its_id_as_well_as_its_name(th: Harness) -> None:
    await call(th, "POST", "", 201, json={"name": "byid"})
    await call(th, "POST", "", 201, json={"name": "other"})
    await call(th, "POST", "/byid/items", 201, json=[{"id": "i1", "input": 1}])
    run = await call(th, "POST", "/byid/runs", 201, json={"name": "nightly"})
    await call(
        th,
        "POST",
        f"/byid/runs/{run['id']}/items",
        201,
        json={"datasetItemId": "i1", "traceId": "t1"},
    )
    by_id = await call(th, "GET", f"/byid/runs/{run['id']}")
    by_name = await call(th, "GET", "/byid/runs/nightly")
    assert by_id == by_name and by_id["summary"]["item_count"] == 1
    await call(th, "GET", f"/other/runs/{run['id']}", 404)  # another dataset's run
    await call(th, "DELETE", f"/byid/runs/{run['id']}", 204)
    await call(th, "GET", "/byid/runs/nightly", 404)
