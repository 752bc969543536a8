"""A trace worth publishing (with a secret to redact), and publishing helpers for tape tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness

SECRET = "sk-live-DO-NOT-SHARE-4242"


def secret_trace(trace_id: str = "tape-trace") -> dict[str, Any]:
    return {
        "id": trace_id,
        "name": "parcel-agent",
        "userId": "user-private-7",
        "sessionId": "sess-private-1",
        "tags": ["support"],
        "metadata": {"region": "eu", "api_key": SECRET, "internal_note": "drop-me-note"},
        "input": {"question": "Where is my parcel?", "api_key": SECRET},
        "output": "It is in Berlin.",
        "timestamp": "2026-11-01T10:00:00Z",
        "observations": [
            {
                "id": "root",
                "type": "agent",
                "name": "agent",
                "startTime": "2026-11-01T10:00:00Z",
                "endTime": "2026-11-01T10:00:03Z",
            },
            {
                "id": "llm",
                "parentId": "root",
                "type": "generation",
                "name": "plan",
                "model": "gpt-4o",
                "startTime": "2026-11-01T10:00:00.500Z",
                "endTime": "2026-11-01T10:00:01.500Z",
                "usage": {"inputTokens": 1000, "outputTokens": 100},
                "input": [{"role": "user", "content": "Where is my parcel?"}],
                "output": {"role": "assistant", "content": "Let me check."},
                "metadata": {"headers": {"api_key": SECRET}},
            },
            {
                "id": "tool",
                "parentId": "root",
                "type": "tool",
                "name": "track_parcel",
                "startTime": "2026-11-01T10:00:01.600Z",
                "endTime": "2026-11-01T10:00:02Z",
                "input": {"parcel": "P-1"},
                "output": {"city": "Berlin"},
            },
        ],
    }


async def publish(th: Harness, auth: dict[str, str] | None = None, **fields: Any) -> Any:
    """Send the trace (if new) and publish it; returns the response."""
    trace = secret_trace(fields.get("trace_id", "tape-trace"))
    sent = await th.client.post("/api/v1/traces", json=trace, headers=auth or th.auth)
    assert sent.status_code == 201, sent.text
    body = {"trace_id": trace["id"], "visibility": "public", **fields}
    return await th.client.post("/api/v1/tapes", json=body, headers=auth or th.auth)
