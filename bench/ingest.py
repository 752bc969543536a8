"""Sustained ingestion through `POST /api/v1/traces`: observations/s with concurrent clients.

Starts a real `tracehouse serve` on a fresh SQLite data directory (or uses --url), sends
pre-encoded batches from C concurrent clients, and reports acknowledged observations per
second, then checks every acknowledged observation is queryable (acknowledged = committed) and
reads the server's peak memory (VmHWM) from /proc.

    .venv/bin/python bench/ingest.py --observations 200000 --batch 500 --concurrency 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.server import start_server

SECRET = "sk-th-bench-secret-0123456789abcdef"
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.0-flash"]


def make_body(client: int, n: int, batch: int) -> bytes:
    """One trace with `batch` observations: an agent root, generations and tool calls."""
    trace_id = f"bench-{client}-{n}"
    base = 1_762_000_000_000_000 + (client * 1_000_000 + n) * 1_000_000
    observations = []
    for i in range(batch):
        kind = "agent" if i == 0 else ("generation" if i % 2 else "tool")
        obs: dict[str, object] = {
            "id": f"{trace_id}-{i}",
            "parentId": None if i == 0 else f"{trace_id}-0",
            "type": kind,
            "name": f"step-{i % 7}",
            "startTime": base + i * 1000,
            "endTime": base + i * 1000 + 800,
            "input": {"messages": [{"role": "user", "content": f"question {i} " + "x" * 120}]},
            "output": {"role": "assistant", "content": "answer " + "y" * 160},
            "metadata": {"step": i, "client": client},
        }
        if kind == "generation":
            obs["model"] = MODELS[i % len(MODELS)]
            obs["usage"] = {"inputTokens": 900 + i, "outputTokens": 120, "cacheReadTokens": 100}
        observations.append(obs)
    body = {
        "id": trace_id,
        "name": "agent-run",
        "userId": f"user-{n % 20}",
        "sessionId": f"session-{n % 200}",
        "input": "go",
        "observations": observations,
    }
    return orjson.dumps(body)


async def run_client(url: str, bodies: list[bytes], batch: int, acked: list[int]) -> None:
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
        for body in bodies:
            while True:
                response = await http.post("/api/v1/traces", content=body)
                if response.status_code == 201:
                    acked.append(batch)
                    break
                if response.status_code in (429, 503):
                    await asyncio.sleep(float(response.headers.get("retry-after", "0.1")))
                    continue
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def bench(url: str, total: int, batch: int, concurrency: int) -> dict[str, float]:
    per_client = total // batch // concurrency
    bodies = [[make_body(c, n, batch) for n in range(per_client)] for c in range(concurrency)]
    acked: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(run_client(url, b, batch, acked) for b in bodies))
    elapsed = time.perf_counter() - started
    sent = sum(acked)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {SECRET}"}
    ) as http:
        query_started = time.perf_counter()
        count = (await http.get("/api/v1/observations", params={"limit": 1})).json()["meta"][
            "total_count"
        ]
        listing = await http.get("/api/v1/traces", params={"limit": 50})
        list_ms = (time.perf_counter() - query_started) * 1000
    assert listing.status_code == 200
    return {
        "observations": sent,
        "seconds": round(elapsed, 2),
        "observations_per_s": round(sent / elapsed),
        "queryable": count,
        "count_and_list_ms": round(list_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--observations", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--synchronous", default="FULL", help="SQLite synchronous pragma")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracehouse-bench-") as tmp:
        env = {
            "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-bench",
            "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
            "TRACEHOUSE_INIT_USER_PASSWORD": "bench-password",
            "TRACEHOUSE_SQLITE_SYNCHRONOUS": args.synchronous,
            "TRACEHOUSE_LOG_LEVEL": "warning",
        }
        server = start_server(Path(tmp) / "data", env=env)
        try:
            result = asyncio.run(bench(server.url, args.observations, args.batch, args.concurrency))
            result["server_peak_rss_mb"] = round(peak_rss_mb(server.process.pid), 1)
            db = Path(tmp) / "data" / "tracehouse.db"
            size = db.stat().st_size + sum(
                p.stat().st_size for p in db.parent.glob("tracehouse.db-*") if p.exists()
            )
            result["disk_bytes_per_observation"] = round(size / max(result["observations"], 1))
        finally:
            server.stop()
    result.update(batch=args.batch, concurrency=args.concurrency, cpus=os.cpu_count() or 0)
    result["synchronous"] = args.synchronous
    for key, value in result.items():
        print(f"{key:28} {value}")
    print(json.dumps(result))
    if result["queryable"] < result["observations"]:
        sys.exit("acknowledged observations are missing from queries")


if __name__ == "__main__":
    main()
