"""A trace to hang checkpoints on, and a helper to save one."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness


async def send_trace(th: Harness, trace_id: str = "run-1", **fields: Any) -> None:
    body = {"id": trace_id, "name": "coding-agent", "timestamp": "2026-11-01T10:00:00Z", **fields}
    sent = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    assert sent.status_code == 201, sent.text


async def save(th: Harness, auth: dict[str, str] | None = None, **fields: Any) -> Any:
    body = {"trace_id": "run-1", **fields}
    return await th.client.post("/api/v1/checkpoints", json=body, headers=auth or th.auth)
