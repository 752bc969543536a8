"""`GET /api/v1/traces/{a}/diff/{b}` on both databases: identical runs, a changed answer, added
and removed steps, deltas, bounded text diffs, project scoping."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.forks.conftest import agent_trace, send, variant

from tracehouse.traces import diff

pytestmark = pytest.mark.anyio


async def test_identical_runs_have_no_divergence(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    await send(th, variant("run-b", "It is in Berlin."))
    response = await th.client.get("/api/v1/traces/run-a/diff/run-b", headers=th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["divergence"] is None
    assert [s["status"] for s in body["steps"]] == ["same"] * 4
    assert [s["name"] for s in body["steps"]] == ["agent", "plan", "track_parcel", "answer"]
    assert body["steps"][2]["a"]["id"] == "tool" and body["steps"][2]["b"]["id"] == "run-b-tool"
    assert body["output_diff"] is None and body["counts"]["same"] == 4


async def test_changed_answer_is_the_divergence_point(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    await send(th, variant("run-b", "It is in Paris."))
    await th.client.post(
        "/api/v1/scores", json={"traceId": "run-a", "name": "ok", "value": 1}, headers=th.auth
    )
    await th.client.post(
        "/api/v1/scores", json={"traceId": "run-b", "name": "ok", "value": 0}, headers=th.auth
    )
    body = (await th.client.get("/api/v1/traces/run-a/diff/run-b", headers=th.auth)).json()
    divergence = body["divergence"]
    assert divergence["a_id"] == "answer" and divergence["b_id"] == "run-b-answer"
    assert divergence["status"] == "changed" and divergence["position"] == 3
    step = body["steps"][3]
    assert '-  "content": "It is in Berlin.",' in step["output_diff"]["diff"]
    assert '+  "content": "It is in Paris.",' in step["output_diff"]["diff"]
    assert step["input_diff"] is None
    assert "-It is in Berlin.\n+It is in Paris." in body["output_diff"]["diff"]
    assert body["deltas"]["scores"]["ok"] == {"a": 1.0, "b": 0.0, "delta": -1.0}
    assert body["deltas"]["total_tokens"] == 0


async def test_added_and_removed_steps(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    other = variant("run-b", "It is in Berlin.")
    other["observations"] = [o for o in other["observations"] if o["name"] != "track_parcel"]
    other["observations"].append(
        {
            "id": "run-b-search", "parentId": "run-b-root", "type": "tool", "name": "web_search",
            "startTime": "2026-11-01T10:00:01.100Z", "endTime": "2026-11-01T10:00:02.900Z",
            "input": {"q": "parcel P-1"}, "output": {"hits": 3}, "level": "ERROR",
        }
    )  # fmt: skip
    await send(th, other)
    body = (await th.client.get("/api/v1/traces/run-a/diff/run-b", headers=th.auth)).json()
    statuses = {s["name"]: s["status"] for s in body["steps"]}
    assert statuses == {
        "agent": "same", "plan": "same", "track_parcel": "removed", "web_search": "added",
        "answer": "same",
    }  # fmt: skip
    assert body["divergence"]["path"] == ["agent:agent#0", "tool:track_parcel#0"]
    assert body["divergence"]["b_id"] is None
    added = next(s for s in body["steps"] if s["status"] == "added")
    assert added["a"] is None and '+  "hits": 3' in added["output_diff"]["diff"]
    assert body["deltas"]["error_count"] == 1
    assert body["deltas"]["observation_count"] == 0


async def test_another_projects_trace_is_not_found(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    _, other = await th.new_project("elsewhere")
    await send(th, agent_trace("theirs"), other)
    response = await th.client.get("/api/v1/traces/run-a/diff/theirs", headers=th.auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_text_diffs_are_bounded() -> None:
    big_a = "\n".join(f"line {i}" for i in range(5000))
    big_b = "\n".join(f"line {i} changed" for i in range(5000))
    result = diff.text_diff(big_a, big_b)
    assert result is not None and result["truncated"]
    assert len(result["diff"].splitlines()) == diff.MAX_DIFF_LINES
    assert diff.text_diff({"x": 1}, {"x": 1}) is None


def _chain(depth: int, last_output: str) -> dict[str, Any]:
    """A rendered trace whose steps nest `depth` levels, one per level."""
    usage = dict.fromkeys(("input_tokens", "output_tokens", "total_tokens"), 1)
    steps = [
        {
            "id": f"o{i}", "parent_id": f"o{i - 1}" if i else None, "type": "span",
            "name": "step", "input": i, "output": last_output if i == depth - 1 else i,
            "model": None, "level": "DEFAULT", "status_message": None, "latency_ms": 1.0,
            "usage": usage, "cost": {"total": None},
        }
        for i in range(depth)
    ]  # fmt: skip
    return {
        "id": "deep", "name": "deep", "status": "ok", "latency_ms": 1.0, "cost": None,
        "error_count": 0, "usage": usage, "observations": steps, "scores": [],
        "input": None, "output": None,
    }  # fmt: skip


def test_deep_traces_align_without_recursion() -> None:
    result = diff.compare(_chain(5000, "old"), _chain(5000, "new"))
    assert result["counts"] == {"same": 4999, "changed": 1, "added": 0, "removed": 0}
    assert result["divergence"]["position"] == 4999
    assert len(result["divergence"]["path"]) == 5000
    assert result["steps"][-1]["depth"] == 4999 and "path" not in result["steps"][-1]
