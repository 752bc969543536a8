"""logfire's own instrumentations (OpenAI, pydantic-ai) exporting to a real Tracehouse server
through the standard OTLP variables, in a process of their own: a streamed OpenAI call is one
generation (logfire records the request and, apart, the stream's end with the usage), and an
agent run's input is normalised to role/content messages as generations are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests import fake_openai
from tests.conftest import LiveServer
from tests.otlp.clients import wait_for_trace

APP = Path(__file__).with_name("logfire_app.py")


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture(scope="module")
def logfire_run(live_server: LiveServer, openai_url: str) -> dict[str, Any]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LOGFIRE_"))},
        "OTEL_EXPORTER_OTLP_ENDPOINT": live_server.url,
        "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer%20{live_server.secret_key}",
    }
    done = subprocess.run(
        [sys.executable, str(APP), openai_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Failed to export" not in done.stderr, done.stderr[-3000:]  # traces and metrics
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _generations(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in trace["observations"] if o["type"] == "generation"]


def _check_streamed(generation: dict[str, Any]) -> None:
    assert generation["name"] == "Chat Completion with 'gpt-4o-mini'"
    assert generation["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
    assert generation["usage"]["output_tokens"] == fake_openai.COMPLETION_TOKENS
    assert fake_openai.ANSWER in str(generation["output"])
    assert "Capital of France?" in str(generation["input"])
    assert generation["end_time"] > generation["start_time"]


def test_streamed_call_is_one_generation(
    live_server: LiveServer, logfire_run: dict[str, Any]
) -> None:
    trace = wait_for_trace(live_server, logfire_run["nested"], 2)
    assert trace["name"] == "streamed-under-a-span"
    (generation,) = _generations(trace)
    assert len(trace["observations"]) == 2
    _check_streamed(generation)
    assert trace["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS


def test_agent_run_input_is_normalised(
    live_server: LiveServer, logfire_run: dict[str, Any]
) -> None:
    response = httpx.get(
        f"{live_server.url}/api/v1/traces",
        params={"name": "logfire-agent run"},
        headers=live_server.auth,
    )
    (summary,) = response.json()["data"]
    trace = live_server.get(f"/api/v1/traces/{summary['id']}")
    assert trace["input"][0] == {"role": "user", "content": "Weather in Paris?"}
    assert all("parts" not in message for message in trace["input"])
    assert trace["input"][1]["tool_calls"][0]["name"] == "get_weather"
    tool = next(o for o in trace["observations"] if o["type"] == "tool")
    assert tool["name"] == "running tool: get_weather"  # logfire's message, not overwritten
    assert len(_generations(trace)) == 2
