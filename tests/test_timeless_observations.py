"""An observation sent without times sits inside its parent (or its trace), never at the moment
it arrived; and the README's own example makes a well-formed trace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]

ROOT = Path(__file__).resolve().parent.parent


def readme_example() -> dict:
    """The JSON body of the README's first `curl -X POST .../api/v1/traces`."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"api/v1/traces .*?-d '(\{.*?\})'\n", text, re.S)
    assert match, "README has no trace example"
    body: dict = json.loads(match.group(1))
    return body


async def test_readme_example_makes_a_trace_of_seconds(th: Harness) -> None:
    response = await th.client.post("/api/v1/traces", json=readme_example(), headers=th.auth)
    assert response.status_code in (200, 201), response.text
    trace = (await th.client.get("/api/v1/traces/order-42", headers=th.auth)).json()
    assert 1000 <= trace["latency_ms"] <= 2000
    assert trace["start_time"].startswith("2026-11-01T10:00:00")
    assert {o["start_time"][:10] for o in trace["observations"]} == {"2026-11-01"}
    session = (await th.client.get("/api/v1/sessions/chat-7", headers=th.auth)).json()
    assert session["duration_ms"] <= 2000


async def test_timeless_observation_starts_with_its_parent(th: Harness) -> None:
    body = readme_example()
    body["id"] = "timeless-1"
    lookup = body["observations"][1]
    lookup["id"] = "timeless-lookup"
    body["observations"][0]["id"] = "timeless-plan"
    lookup["parentId"] = "timeless-plan"
    for key in ("startTime", "endTime"):
        lookup.pop(key)
    response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    assert response.status_code in (200, 201), response.text
    trace = (await th.client.get("/api/v1/traces/timeless-1", headers=th.auth)).json()
    by_id = {o["id"]: o for o in trace["observations"]}
    assert by_id["timeless-lookup"]["start_time"] == by_id["timeless-plan"]["start_time"]
    assert trace["latency_ms"] == pytest.approx(1200, abs=1)


async def test_timeless_child_of_a_stored_parent_and_of_the_trace(th: Harness) -> None:
    first = {
        "id": "timeless-2",
        "timestamp": "2026-11-02T08:00:00Z",
        "observations": [
            {
                "id": "t2-root",
                "type": "agent",
                "startTime": "2026-11-02T08:00:05Z",
                "endTime": "2026-11-02T08:00:09Z",
            }
        ],
    }
    assert (await th.client.post("/api/v1/traces", json=first, headers=th.auth)).is_success
    later = {
        "id": "timeless-2",
        "observations": [
            {"id": "t2-child", "parentId": "t2-root", "type": "tool", "name": "search"},
            {"id": "t2-orphan", "type": "event", "name": "note"},
        ],
    }
    assert (await th.client.post("/api/v1/traces", json=later, headers=th.auth)).is_success
    trace = (await th.client.get("/api/v1/traces/timeless-2", headers=th.auth)).json()
    by_id = {o["id"]: o for o in trace["observations"]}
    assert by_id["t2-child"]["start_time"] == "2026-11-02T08:00:05.000000Z"
    assert by_id["t2-orphan"]["start_time"].startswith("2026-11-02T08:00:0")
    assert trace["latency_ms"] <= 9000
