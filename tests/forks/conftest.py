"""An agent run worth forking and comparing: a plan, a tool call, an answer."""

from __future__ import annotations

import copy
from typing import Any

from tests.conftest import Harness


def agent_trace(trace_id: str = "run-a", answer: str = "It is in Berlin.") -> dict[str, Any]:
    return {
        "id": trace_id,
        "name": "parcel-agent",
        "input": {"question": "Where is my parcel?"},
        "output": answer,
        "timestamp": "2026-11-01T10:00:00Z",
        "observations": [
            _step("root", None, "agent", "agent", 0, 3000),
            {
                **_step("plan", "root", "generation", "plan", 100, 1000),
                "model": "gpt-4o",
                "usage": {"inputTokens": 100, "outputTokens": 10},
                "input": [{"role": "user", "content": "Where is my parcel?"}],
                "output": {"role": "assistant", "content": "Let me check."},
            },
            {
                **_step("tool", "root", "tool", "track_parcel", 1100, 1500),
                "input": {"parcel": "P-1"},
                "output": {"city": "Berlin"},
            },
            {
                **_step("answer", "root", "generation", "answer", 1600, 2500),
                "model": "gpt-4o",
                "usage": {"inputTokens": 200, "outputTokens": 20},
                "input": [{"role": "user", "content": "Where is my parcel?"}],
                "output": {"role": "assistant", "content": answer},
            },
        ],
    }


def _step(
    step_id: str, parent: str | None, kind: str, name: str, start_ms: int, end_ms: int
) -> dict[str, Any]:
    return {
        "id": step_id,
        "parentId": parent,
        "type": kind,
        "name": name,
        "startTime": f"2026-11-01T10:00:{start_ms // 1000:02d}.{start_ms % 1000:03d}Z",
        "endTime": f"2026-11-01T10:00:{end_ms // 1000:02d}.{end_ms % 1000:03d}Z",
    }


def variant(trace_id: str, answer: str) -> dict[str, Any]:
    """The same run with other observation ids (as a real second run has) and another answer."""
    trace = copy.deepcopy(agent_trace(trace_id, answer))
    for o in trace["observations"]:
        o["id"] = f"{trace_id}-{o['id']}"
        if o["parentId"]:
            o["parentId"] = f"{trace_id}-{o['parentId']}"
    return trace


async def send(th: Harness, trace: dict[str, Any], auth: dict[str, str] | None = None) -> None:
    sent = await th.client.post("/api/v1/traces", json=trace, headers=auth or th.auth)
    assert sent.status_code == 201, sent.text
