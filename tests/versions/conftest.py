"""Two versions of an agent: commit A (tagged in trace metadata as the SDK and OTLP do) is
fast, right and never fails; commit B (linked by a git link) is slower, worse and fails often."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness

SHA_A = "aaaa1111" * 5
SHA_B = "bbbb2222" * 5
REPO = "https://github.com/acme/agent"


def _trace(trace_id: str, latency_ms: int, status: str, **fields: Any) -> dict[str, Any]:
    end = f"2026-11-01T10:00:{latency_ms // 1000:02d}.{latency_ms % 1000:03d}Z"
    return {"id": trace_id, "name": "agent", "timestamp": "2026-11-01T10:00:00Z",
            "endTime": end, "status": status, **fields}  # fmt: skip


async def seed(th: Harness, auth: dict[str, str] | None = None, n: int = 20) -> None:
    headers = auth or th.auth
    meta = {"vcs.repository.url.full": REPO, "vcs.ref.head.revision": SHA_A,
            "vcs.ref.head.name": "main"}  # fmt: skip
    batch = [_trace(f"a-{i}", 100 + i, "ok", metadata=meta, release="v1") for i in range(n)]
    batch += [_trace(f"b-{i}", 400 + i, "error" if i % 2 else "ok", release="v2") for i in range(n)]
    sent = await th.client.post("/api/v1/traces/batch", json=batch, headers=headers)
    assert sent.status_code == 201, sent.text
    ids = [f"b-{i}" for i in range(n)]
    link = {"repository_url": REPO, "commit_sha": SHA_B, "branch": "feature",
            "message": "Retry the tool call", "trace_ids": ids}  # fmt: skip
    linked = await th.client.post("/api/v1/git-links", json=link, headers=headers)
    assert linked.status_code == 201, linked.text
    for i in range(n):
        for trace_id, value in ((f"a-{i}", 0.8 + i / 100), (f"b-{i}", 0.3 + i / 100)):
            body = {"trace_id": trace_id, "name": "accuracy", "value": value}
            scored = await th.client.post("/api/v1/scores", json=body, headers=headers)
            assert scored.status_code in (200, 201), scored.text
