"""Comparing versions from the version roll-ups, on SQLite and PostgreSQL: the answer equals
the one computed from every trace (percentiles within the sketch's 1%), stays equal as scores
are replaced and deleted, traces deleted and moved to another version, and after the refresher
compacts the roll-ups; a project with a day waiting for its rebuild is answered from traces.
On ClickHouse (no roll-ups: ingestion keeps none there) every comparison is answered from the
traces, with the same figures and the same explaining traces."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.versions.conftest import SHA_A, seed

from tracehouse.analytics import rollup, rollup_store

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
EVERY_TRACE = {"from": "2000-01-01T00:00:00Z"}  # a filter that forces the read of every trace


async def _compare(th: Harness, **params: Any) -> dict[str, Any]:
    response = await th.client.get("/api/v1/versions/compare", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _assert_same(th: Harness, rolled: dict[str, Any], exact: dict[str, Any]) -> None:
    source = "traces" if th.settings.clickhouse_url else "rollups"
    assert (rolled["source"], exact["source"]) == (source, "traces")
    assert rolled["a"]["traces"] == exact["a"]["traces"]
    assert rolled["b"]["traces"] == exact["b"]["traces"]
    metrics = {m["metric"]: m for m in exact["metrics"]}
    assert [m["metric"] for m in rolled["metrics"]] == list(metrics)
    for got in rolled["metrics"]:
        want = metrics[got["metric"]]
        close = 0.0101 if "_p" in got["metric"] else 1e-9  # percentiles: the sketch's 1%
        for side in ("a", "b"):
            assert got[side] == pytest.approx(want[side], rel=close, abs=1e-12), got["metric"]
        assert got["direction"] == want["direction"], got["metric"]
        assert got["significant"] == want["significant"], got["metric"]
        if want["test"] is None:
            assert got["test"] is None, got["metric"]
            continue
        assert got["test"]["test"] == want["test"]["test"]
        assert got["test"]["statistic"] == pytest.approx(want["test"]["statistic"], rel=1e-9)
        assert got["test"]["p_value"] == pytest.approx(want["test"]["p_value"], rel=1e-6)


async def _check(th: Harness, a: str, b: str) -> dict[str, Any]:
    rolled = await _compare(th, a=a, b=b, explain=3)
    _assert_same(th, rolled, await _compare(th, a=a, b=b, explain=3, **EVERY_TRACE))
    return rolled


async def test_rollups_answer_as_every_trace_does(th: Harness) -> None:
    await seed(th)
    rolled = await _check(th, "release:v1", "release:v2")
    metrics = {m["metric"]: m for m in rolled["metrics"]}
    assert metrics["error_rate"]["b"] == 0.5 and metrics["error_rate"]["significant"]
    assert metrics["score:accuracy"]["test"]["test"] == "welch_t"
    assert metrics["score:accuracy"]["direction"] == "worse"
    latency = metrics["latency_p50"]
    assert latency["significant"] and latency["test"]["test"] == "mann_whitney_u"
    explained = latency["explain"]
    assert [e["trace_id"] for e in explained] == ["b-19", "b-18", "b-17"]
    assert all(e["compare_with"].startswith("a-") for e in explained)
    diff = await th.client.get(explained[0]["diff_url"], headers=th.auth)
    assert diff.status_code == 200, diff.text
    worst = metrics["score:accuracy"]["explain"]
    assert [e["trace_id"] for e in worst] == ["b-0", "b-1", "b-2"]
    commit = await _check(th, f"commit:{SHA_A[:10]}", "release:v2")
    assert commit["a"]["traces"] == 20


async def test_rollups_follow_changes(th: Harness) -> None:
    await seed(th)
    for value in (0.1, 0.95):  # one score, replaced
        body = {"id": "s-replaced", "trace_id": "a-3", "name": "accuracy", "value": value}
        sent = await th.client.post("/api/v1/scores", json=body, headers=th.auth)
        assert sent.status_code in (200, 201), sent.text
    body = {"id": "s-gone", "trace_id": "b-4", "name": "helpful", "value": 1}
    assert (await th.client.post("/api/v1/scores", json=body, headers=th.auth)).is_success
    gone = await th.client.delete("/api/public/scores/s-gone", headers=th.auth)
    assert gone.status_code == 204, gone.text
    deleted = await th.client.delete("/api/v1/traces/b-5", headers=th.auth)
    assert deleted.status_code == 204, deleted.text
    moved = {"id": "a-7", "release": "v2"}  # to the other release, with its scores
    assert (await th.client.post("/api/v1/traces", json=moved, headers=th.auth)).is_success
    rolled = await _check(th, "release:v1", "release:v2")
    assert (rolled["a"]["traces"], rolled["b"]["traces"]) == (19, 20)
    if th.settings.clickhouse_url:
        return  # no roll-ups to compact or rebuild
    db = th.app.state.runtime.db
    rollup.refresh(db)  # compacts each day's appended rows
    await _check(th, "release:v1", "release:v2")
    with db.writer.begin() as conn:
        rollup_store.mark_dirty(conn, 1, [0])  # a day of another time waits for a rebuild
    stale = await _compare(th, a="release:v1", b="release:v2")
    assert stale["source"] == "traces"
    rollup.refresh(db)
    await _check(th, "release:v1", "release:v2")
