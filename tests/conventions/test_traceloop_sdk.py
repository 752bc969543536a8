"""Traceloop's own SDK (OpenLLMetry), `Traceloop.init` pointed at a real Tracehouse server, in a
process of its own: its association properties name the trace's user and session, and its
metric export is accepted (no error printed on every export)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests import fake_openai
from tests.conftest import LiveServer
from tests.otlp.clients import wait_for_trace

APP = Path(__file__).with_name("traceloop_app.py")


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture(scope="module")
def traceloop_run(live_server: LiveServer, openai_url: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, str(APP), live_server.url, live_server.secret_key, openai_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    return result


def test_association_properties_name_user_and_session(
    live_server: LiveServer, traceloop_run: dict[str, str]
) -> None:
    trace = wait_for_trace(live_server, traceloop_run["trace_id"], 2)
    assert trace["name"] == "support-workflow.workflow"
    assert (trace["user_id"], trace["session_id"]) == ("tl-user", "tl-session")
    assert trace["metadata"] == {"tier": "gold"}
    generation = next(o for o in trace["observations"] if o["type"] == "generation")
    assert generation["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS


def test_metric_export_is_accepted(live_server: LiveServer, traceloop_run: dict[str, str]) -> None:
    assert "Failed to export metrics" not in traceloop_run["stderr"]
    kept = live_server.get("/api/v1/metrics", name="gen_ai.client.token.usage")["data"]
    ours = [p for p in kept if p["service_name"] == "traceloop-app"]
    assert {p["attributes"].get("gen_ai.token.type") for p in ours} >= {"input", "output"}
