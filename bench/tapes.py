"""Server time of a tape of 1,000 steps: the public JSON (first view, repeat view, a 304 for a
matching ETag) and the player page, through the ASGI app in-process on a fresh SQLite directory.

    .venv/bin/python bench/tapes.py --steps 1000 --rounds 50
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

SECRET = "sk-th-bench-" + "x" * 40
AUTH = {"Authorization": f"Bearer {SECRET}"}


def trace(steps: int) -> dict[str, object]:
    observations = [
        {
            "id": f"s{i}",
            "parentId": None if i == 0 else f"s{(i - 1) // 10}",
            "type": ("agent", "generation", "tool", "retriever")[i % 4],
            "name": f"step-{i}",
            "startTime": f"2026-11-01T10:{i // 1000 % 60:02d}:{i // 10 % 60:02d}.{i % 10}00Z",
            "endTime": f"2026-11-01T10:{i // 1000 % 60:02d}:{i // 10 % 60:02d}.{i % 10}90Z",
            "input": {"messages": [{"role": "user", "content": f"question {i} " + "x" * 200}]},
            "output": {"role": "assistant", "content": "answer " + "y" * 200},
            "metadata": {"api_key": "secret", "i": i},
        }
        for i in range(steps)
    ]
    return {"id": "bench", "name": "bench", "timestamp": "2026-11-01T10:00:00Z",
            "observations": observations}  # fmt: skip


async def timed(label: str, rounds: int, call: Callable[[int], Awaitable[httpx.Response]]) -> None:
    times = []
    for n in range(rounds):
        began = time.perf_counter()
        response = await call(n)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code in (200, 304), response.text[:200]
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{label:<42} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


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
            assert (await c.post("/api/v1/traces", json=trace(steps), headers=AUTH)).is_success
            body = {"trace_id": "bench", "visibility": "public",
                    "redaction": {"metadata": True, "mask_keys": ["api_key"]}}  # fmt: skip
            began = time.perf_counter()
            tape = (await c.post("/api/v1/tapes", json=body, headers=AUTH)).json()
            print(f"publish {steps} steps: {(time.perf_counter() - began) * 1000:.1f} ms")
            url = f"/api/v1/tapes/{tape['slug']}"
            agent = lambda n: {"User-Agent": f"visitor-{n}"}  # noqa: E731
            await timed("JSON, a new visitor each time", rounds, lambda n: c.get(url, headers=agent(n)))
            await timed("JSON, the same visitor", rounds, lambda n: c.get(url))
            etag = (await c.get(url)).headers["etag"]
            match = {"If-None-Match": etag}
            await timed("JSON, cached (304)", rounds, lambda n: c.get(url, headers=match))
            embed = f"/embed/{tape['slug']}"
            await timed("player page /embed", rounds, lambda n: c.get(embed))
            page_tag = (await c.get(embed)).headers["etag"]
            await timed("player page, cached (304)", rounds,
                        lambda n: c.get(embed, headers={"If-None-Match": page_tag}))  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.rounds))
