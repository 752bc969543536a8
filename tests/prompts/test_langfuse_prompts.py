"""The real `langfuse` 5.x SDK's prompt management against a real server process: what the
SDK reads back, and what the native API then shows (labels moved, generation linked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import LiveServer
from tests.otlp.clients import wait_for_trace

APP = Path(__file__).with_name("langfuse_prompts_app.py")


def run_app(server: LiveServer, app: Path, *args: str) -> dict[str, Any]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LANGFUSE_"))},
        "LANGFUSE_BASE_URL": server.url,
        "LANGFUSE_PUBLIC_KEY": server.public_key,
        "LANGFUSE_SECRET_KEY": server.secret_key,
        "PYTHONPATH": str(app.parents[2]),
    }
    done = subprocess.run(
        [sys.executable, str(app), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Failed to export" not in done.stderr, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def seen(live_server: LiveServer) -> dict[str, Any]:
    return run_app(live_server, APP)


def test_sdk_prompt_calls(seen: dict[str, Any]) -> None:
    assert seen["created"] == [[1, ["production", "latest"]], [2, ["latest"]]]
    assert seen["production"] == [1, {"model": "gpt-4o-mini", "temperature": 0.1}, ["sdk"]]
    assert seen["compiled"] == "Answer why like a pirate"
    assert (seen["latest"], seen["v2"]) == (2, "v2: {{question}}")
    assert seen["chat"] == [
        {"role": "system", "content": "You are a bot."},
        {"role": "user", "content": "earlier"},
        {"role": "user", "content": "hi"},
    ]
    assert seen["updated_labels"] == ["latest", "production"]
    assert seen["after_update"] == 2
    assert seen["missing"] == "NotFoundError"
    assert seen["fallback"] is True


def test_native_api_sees_sdk_prompts(live_server: LiveServer, seen: dict[str, Any]) -> None:
    versions = live_server.get("/api/v1/prompts/sdk/qa/versions")["data"]
    assert [(v["version"], v["labels"]) for v in versions] == [
        (2, ["latest", "production"]),
        (1, []),
    ]
    assert versions[1]["commit_message"] == "first"
    trace = wait_for_trace(live_server, seen["trace"], observations=1)
    generation = trace["observations"][0]
    assert (generation["prompt_name"], generation["prompt_version"]) == ("sdk/qa", 1)
    metrics = live_server.get("/api/v1/prompts/sdk/qa/metrics")["versions"]
    assert {m["version"]: m["generations"] for m in metrics} == {2: 0, 1: 1}


def test_public_prompt_reads(live_server: LiveServer, seen: dict[str, Any]) -> None:
    auth = (live_server.public_key, live_server.secret_key)
    listed = httpx.get(f"{live_server.url}/api/public/v2/prompts", auth=auth, timeout=10).json()
    names = {p["name"]: p for p in listed["data"]}
    assert names["sdk/qa"]["versions"] == [1, 2] and listed["meta"]["totalPages"] == 1
    raw = httpx.get(f"{live_server.url}/api/public/v2/prompts/sdk%2Fqa", auth=auth, timeout=10)
    assert raw.status_code == 200 and raw.json()["version"] == 2
    missing = httpx.get(f"{live_server.url}/api/public/v2/prompts/nope", auth=auth, timeout=10)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Prompt not found: 'nope' with label 'production'"
