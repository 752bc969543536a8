"""Helpers for the command-line tests: run `tracehouse` in-process (click's runner) or as a real
process, and write traces to a server over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from tracehouse.cli.main import main

BIN = Path(sys.executable).parent


def tracehouse(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Run `tracehouse ARGS` in-process; no TRACEHOUSE_* variable leaks in from the shell."""
    clean = {k: None for k in os.environ if k.startswith("TRACEHOUSE_")}
    return CliRunner().invoke(main, list(args), env={**clean, **(env or {})}, input=input)


def run_process(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed `tracehouse` executable as a real process."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")}
    return subprocess.run(
        [str(BIN / "tracehouse"), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def server_env(url: str, secret_key: str) -> dict[str, str]:
    return {"TRACEHOUSE_BASE_URL": url, "TRACEHOUSE_API_KEY": secret_key}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post_trace(url: str, secret_key: str, body: dict[str, Any]) -> None:
    response = httpx.post(
        f"{url}/api/v1/traces",
        json=body,
        headers={"Authorization": f"Bearer {secret_key}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text


def post_scores(url: str, secret_key: str, scores: list[dict[str, Any]]) -> None:
    response = httpx.post(
        f"{url}/api/v1/scores",
        json=scores,
        headers={"Authorization": f"Bearer {secret_key}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text


def agent_trace(
    trace_id: str, user_id: str, *, start: str = "2026-11-01T10:00:00Z"
) -> dict[str, Any]:
    """A support agent's run: a generation with usage, a tool under it that failed, an event."""
    return {
        "id": trace_id,
        "name": "support-agent",
        "userId": user_id,
        "sessionId": f"chat-{trace_id}",
        "tags": ["cli", "support"],
        "metadata": {"region": "eu"},
        "input": {"question": "Where is my parcel?"},
        "output": {"answer": "It arrives tomorrow."},
        "startTime": start,
        "observations": [
            {
                "id": f"{trace_id}-plan",
                "type": "generation",
                "name": "plan",
                "model": "gpt-4o",
                "startTime": start,
                "endTime": start.replace(":00Z", ":01.2Z"),
                "usage": {"inputTokens": 1000, "outputTokens": 300, "cacheReadTokens": 200},
                "input": [{"role": "user", "content": "Where is my parcel?"}],
                "output": {"role": "assistant", "content": "Let me check."},
                "modelParameters": {"temperature": 0.2},
            },
            {
                "id": f"{trace_id}-lookup",
                "parentId": f"{trace_id}-plan",
                "type": "tool",
                "name": "track_parcel",
                "startTime": start.replace(":00Z", ":00.5Z"),
                "endTime": start.replace(":00Z", ":00.9Z"),
                "level": "ERROR",
                "statusMessage": "carrier API timed out",
                "cost": {"total": 0.5},
            },
            {
                "id": f"{trace_id}-note",
                "parentId": f"{trace_id}-plan",
                "type": "event",
                "name": "handoff",
                "startTime": start.replace(":00Z", ":01Z"),
            },
        ],
    }


@pytest.fixture
def fresh_user() -> str:
    return unique("user")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as a 200-column terminal prints them, whatever the runner's terminal (pytest-xdist
    workers inherit none)."""
    monkeypatch.setenv("COLUMNS", "200")
