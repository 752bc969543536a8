"""The OpenAI Agents SDK, traced by logfire's instrumentation, exporting to a real Tracehouse
server through the standard OTLP variables: the run arrives as one tree, its two model calls as
generations with their usage, the tool call with its input and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import fake_openai
from tests.conftest import LiveServer
from tests.otlp.clients import wait_for_trace

APP = Path(__file__).with_name("agents_app.py")


def test_agents_sdk_run(live_server: LiveServer) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))},
        "OTEL_EXPORTER_OTLP_ENDPOINT": live_server.url,
        "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer%20{live_server.secret_key}",
    }
    with fake_openai.fake_openai() as openai_url:
        done = subprocess.run(
            [sys.executable, str(APP), openai_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads(done.stdout.strip().splitlines()[-1])
    assert run["answer"] == fake_openai.ANSWER
    trace = wait_for_trace(live_server, run["trace_id"], 8)
    assert trace["name"] == "agents-request"
    generations = [o for o in trace["observations"] if o["type"] == "generation"]
    assert len(generations) == 2
    for generation in generations:
        assert generation["model"] == "gpt-4o-mini"
        assert generation["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
        assert generation["usage"]["output_tokens"] == fake_openai.COMPLETION_TOKENS
    tool = next(o for o in trace["observations"] if o["name"] == "Function: get_weather")
    assert tool["input"] == {"city": "Paris"} and tool["output"] == "20 C in Paris"
    assert trace["usage"]["input_tokens"] == 2 * fake_openai.PROMPT_TOKENS
