"""Server time of a trace diff of two runs of 1,000 steps each (every tenth output changed, a
few steps added and removed): the whole `GET /api/v1/traces/{a}/diff/{b}` through the ASGI app
in-process on a fresh SQLite directory, and `traces.diff.compare` alone on the loaded traces.

    .venv/bin/python bench/diff.py --steps 1000 --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade
from tracehouse.traces import diff

SECRET = "sk-th-bench-" + "x" * 40
AUTH = {"Authorization": f"Bearer {SECRET}"}


def run(trace_id: str, steps: int, changed: bool) -> dict[str, Any]:
    """A tree ten wide; the changed run answers every tenth step differently and swaps the
    names of every hundredth (a step removed and another added)."""
    observations = []
    for i in range(steps):
        name = f"step-{i}" + ("-v2" if changed and i % 100 == 50 else "")
        answer = "answer " + ("z" if changed and i % 10 == 3 else "y") * 200
        observations.append({
            "id": f"{trace_id}-{i}",
            "parentId": None if i == 0 else f"{trace_id}-{(i - 1) // 10}",
            "type": ("agent", "generation", "tool", "retriever")[i % 4],
            "name": name,
            "startTime": f"2026-11-01T10:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 10}00Z",
            "endTime": f"2026-11-01T10:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 10}90Z",
            "input": {"messages": [{"role": "user", "content": f"question {i} " + "x" * 200}]},
            "output": {"role": "assistant", "content": answer},
        })  # fmt: skip
    return {"id": trace_id, "name": "bench", "timestamp": "2026-11-01T10:00:00Z",
            "observations": observations}  # fmt: skip


def report(label: str, times: list[float]) -> None:
    times.sort()
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(f"{label:<40} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


async def timed_async(rounds: int, call: Callable[[], Any]) -> list[float]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = await call()
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text[:200]
    return times


async def main(steps: int, rounds: int) -> None:
    data = Path(tempfile.mkdtemp()) / "data"
    settings = Settings(data_dir=data, init_secret_key=SECRET, init_public_key="pk-th-bench",
                        rate_limit_enabled=False, retention_interval_seconds=0)  # fmt: skip
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    db.dispose()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            for trace_id, changed in (("bench-a", False), ("bench-b", True)):
                sent = await c.post(
                    "/api/v1/traces", json=run(trace_id, steps, changed), headers=AUTH
                )
                assert sent.is_success, sent.text
            url = "/api/v1/traces/bench-a/diff/bench-b"
            body = (await c.get(url, headers=AUTH)).json()
            print(f"steps {len(body['steps'])}, counts {body['counts']}")
            report(
                "GET /traces/{a}/diff/{b}",
                await timed_async(rounds, lambda: c.get(url, headers=AUTH)),
            )
            a = (await c.get("/api/v1/traces/bench-a", headers=AUTH)).json()
            b = (await c.get("/api/v1/traces/bench-b", headers=AUTH)).json()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        diff.compare(a, b)
        times.append((time.perf_counter() - began) * 1000)
    report("traces.diff.compare alone", times)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.rounds))
