"""The real `langfuse` 5.x SDK against a real Tracehouse server process, configured only by
its environment variables: decorators, nested observations, propagated trace attributes,
scores and flush all arrive and read back (native API and Langfuse API), on SQLite and on
PostgreSQL + ClickHouse (chDB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager
from tests.conftest import LiveServer
from tests.otlp.clients import by_name, wait_for_trace

APP = Path(__file__).with_name("langfuse_app.py")


def run_app(server: LiveServer) -> dict[str, Any]:
    env = {
        **os.environ,
        "LANGFUSE_BASE_URL": server.url,
        "LANGFUSE_PUBLIC_KEY": server.public_key,
        "LANGFUSE_SECRET_KEY": server.secret_key,
        "LANGFUSE_TRACING_ENVIRONMENT": "staging",
        "PYTHONPATH": str(APP.parents[2]),
    }
    done = subprocess.run(
        [sys.executable, str(APP)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "Failed to export" not in done.stderr, done.stderr
    ids: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return ids


@pytest.fixture(scope="module")
def app_run(any_live_server: LiveServer) -> dict[str, Any]:
    return run_app(any_live_server)


def test_tree_usage_cost_and_trace_attributes(
    any_live_server: LiveServer, app_run: dict[str, Any]
) -> None:
    trace = wait_for_trace(any_live_server, app_run["trace"], observations=4)
    assert trace["name"] == "qa-request"
    assert (trace["user_id"], trace["session_id"]) == ("user-7", "session-7")
    assert sorted(trace["tags"]) == ["e2e", "langfuse-sdk"]
    assert trace["metadata"]["tenant"] == "acme"  # JSON-encoded by the SDK, decoded here
    assert trace["environment"] == "staging"
    assert trace["input"] is not None and trace["output"] == "Rome"

    nodes = by_name(trace)
    root, gen = nodes["handle-request"], nodes["llm-call"]
    assert root["id"] == app_run["root"] and root["parent_id"] is None
    assert [n["type"] for n in (nodes["retrieve"], gen, nodes["flaky-tool"])] == [
        "retriever",
        "generation",
        "tool",
    ]
    assert {nodes[n]["parent_id"] for n in ("retrieve", "llm-call", "flaky-tool")} == {root["id"]}
    assert gen["id"] == app_run["generation"] and gen["model"] == "gpt-4o-mini"
    assert gen["usage"]["input_tokens"] == 1000 and gen["usage"]["output_tokens"] == 200
    assert gen["cost"]["computed"]["total"] == pytest.approx((1000 * 0.15 + 200 * 0.6) / 1e6)
    assert gen["model_parameters"] == {"temperature": 0.2, "max_tokens": 64}
    assert gen["input"] == [{"role": "user", "content": "capital of Italy?"}]
    assert gen["output"] == "Rome"
    tool = nodes["flaky-tool"]
    assert tool["level"] == "ERROR" and "boom" in (tool["status_message"] or "")
    assert trace["error_count"] >= 1


def test_scores_arrive(any_live_server: LiveServer, app_run: dict[str, Any]) -> None:
    trace = wait_for_trace(any_live_server, app_run["trace"], observations=4)
    scores = {s["name"]: s for s in trace["scores"]}
    assert scores["helpful"]["value"] == 1.0 and scores["helpful"]["comment"] == "thumbs up"
    assert scores["correctness"]["value"] == "exact"
    assert scores["correctness"]["observation_id"] == app_run["generation"]
    session = any_live_server.get("/api/v1/sessions/session-7")
    assert [s["name"] for s in session["scores"]] == ["csat"]


def test_reads_through_the_sdk_client(any_live_server: LiveServer, app_run: dict[str, Any]) -> None:
    # The SDK keeps one client per public key in a process: forget the one made for the other
    # server of the matrix (same keys), or this one would read from it.
    LangfuseResourceManager.reset()
    client = Langfuse(
        public_key=any_live_server.public_key,
        secret_key=any_live_server.secret_key,
        base_url=any_live_server.url,
    )
    assert client.auth_check()
    assert client.api.health.health().status == "OK"
    observations = client.api.observations.get_many(
        trace_id=app_run["trace"], fields="core,basic,usage,model,trace_context", limit=50
    )
    by = {o.name: o for o in observations.data}
    assert by["llm-call"].type == "GENERATION" and by["llm-call"].usage_details["input"] == 1000
    assert by["llm-call"].user_id == "user-7" and by["llm-call"].total_cost > 0
    scores = client.api.scores.get_many(trace_id=app_run["trace"])
    assert {s.name for s in scores.data} == {"helpful", "correctness"}
    client.shutdown()
