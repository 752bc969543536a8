"""`GET /api/v1/versions` and `/versions/compare` on SQLite and PostgreSQL: commits from git
links and from VCS metadata, each metric's change and significance, the explaining traces with
their trace diff, bad versions refused, and other projects' traces never counted."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.versions.conftest import SHA_A, SHA_B, seed

pytestmark = pytest.mark.anyio


def _by_metric(body: dict[str, Any]) -> dict[str, Any]:
    return {m["metric"]: m for m in body["metrics"]}


@pytest.mark.clickhouse
async def test_versions_lists_commits_branches_and_releases(th: Harness) -> None:
    await seed(th)
    commits = (await th.client.get("/api/v1/versions", headers=th.auth)).json()["data"]
    assert {v["value"]: v["traces"] for v in commits} == {SHA_A: 20, SHA_B: 20}
    b = next(v for v in commits if v["value"] == SHA_B)
    assert b["message"] == "Retry the tool call" and b["error_rate"] == 0.5
    branches = await th.client.get("/api/v1/versions", params={"by": "branch"}, headers=th.auth)
    assert {v["version"] for v in branches.json()["data"]} == {"branch:main", "branch:feature"}
    releases = await th.client.get("/api/v1/versions", params={"by": "release"}, headers=th.auth)
    assert [v["traces"] for v in releases.json()["data"]] == [20, 20]


@pytest.mark.clickhouse
async def test_compare_two_commits_with_significance_and_explaining_traces(th: Harness) -> None:
    await seed(th)
    params = {"a": f"commit:{SHA_A[:8]}", "b": f"commit:{SHA_B}", "explain": 3}
    response = await th.client.get("/api/v1/versions/compare", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["a"]["traces"], body["b"]["traces"]) == (20, 20)
    metrics = _by_metric(body)
    assert metrics["volume"]["change"] == 0 and metrics["volume"]["test"] is None
    errors = metrics["error_rate"]
    assert (errors["a"], errors["b"], errors["direction"]) == (0.0, 0.5, "worse")
    assert errors["significant"] and errors["test"]["test"] == "two_proportion_z"
    latency = metrics["latency_p50"]
    assert latency["a"] == pytest.approx(109.5) and latency["b"] == pytest.approx(409.5)
    assert latency["significant"] and latency["test"]["test"] == "mann_whitney_u"
    assert latency["test"]["p_value"] < 1e-6
    accuracy = metrics["score:accuracy"]
    assert accuracy["better"] == "higher" and accuracy["direction"] == "worse"
    assert accuracy["significant"]
    explained = latency["explain"]
    assert [e["trace_id"] for e in explained] == ["b-19", "b-18", "b-17"]
    assert all(e["compare_with"].startswith("a-") for e in explained)
    diff = await th.client.get(explained[0]["diff_url"], headers=th.auth)
    assert diff.status_code == 200, diff.text
    same = await th.client.get(
        "/api/v1/versions/compare", params={"a": "release:v1", "b": "release:v1"},
        headers=th.auth,
    )  # fmt: skip
    assert not any(m["significant"] for m in same.json()["metrics"])
    assert all(m["direction"] == "same" for m in same.json()["metrics"])


@pytest.mark.parametrize(
    ("a", "field"),
    [("commit:xyz123", "a"), ("commit:12", "a"), ("tag:v1", "a"), ("branch:", "a")],
    ids=["not-hex", "too-short", "unknown-kind", "empty"],
)
async def test_bad_versions_are_refused(th: Harness, a: str, field: str) -> None:
    response = await th.client.get(
        "/api/v1/versions/compare", params={"a": a, "b": "branch:main"}, headers=th.auth
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["field"] == field


@pytest.mark.clickhouse
async def test_other_projects_versions_are_not_seen(th: Harness) -> None:
    await seed(th)
    _, other = await th.new_project("other")
    listed = await th.client.get("/api/v1/versions", headers=other)
    assert listed.json()["data"] == []
    params = {"a": f"commit:{SHA_A}", "b": f"commit:{SHA_B}"}
    body = (await th.client.get("/api/v1/versions/compare", params=params, headers=other)).json()
    assert (body["a"]["traces"], body["b"]["traces"]) == (0, 0)
    assert _by_metric(body)["error_rate"]["test"] is None
