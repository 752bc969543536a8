"""Comparing two versions over a large project: 100,000 traces / 1,000,000 observations.

Generates the project as bench/analytics.py does (straight into a fresh SQLite database), tags
half the traces with commit A and half with commit B in their metadata (as the SDK's git
capture and OTLP VCS attributes leave them), gives each trace a score, starts a real
`tracehouse serve`, and times `GET /api/v1/versions/compare` and `GET /api/v1/versions` over
HTTP (a warm-up call, then the median and worst of --repeat calls).

    .venv/bin/python bench/versions.py --traces 100000 --per-trace 10
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.analytics import SECRET, generate
from tests.server import start_server

from tracehouse.clock import now_us
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.tables import scores

SHA_A = "a" * 8 + "1" * 32
SHA_B = "b" * 8 + "2" * 32


def tag_versions(settings: Settings) -> None:
    """Even traces on commit A (release v1), odd ones on commit B (v2); one score each."""
    db = open_database(settings)
    with db.writer.begin() as conn:
        for parity, sha, release in ((0, SHA_A, "v1"), (1, SHA_B, "v2")):
            # As ingestion stores it: compact JSON.
            meta = orjson.dumps({"vcs.ref.head.revision": sha, "vcs.ref.head.name": "main"})
            conn.execute(
                text("UPDATE traces SET metadata = :m, release = :r WHERE trace_rowid % 2 = :p"),
                {"m": meta.decode(), "r": release, "p": parity},
            )
        rows = conn.execute(text("SELECT project_rowid, id, trace_rowid FROM traces")).all()
        rng, now = random.Random(3), now_us()
        conn.execute(
            insert(scores),
            [
                {"project_rowid": p, "id": f"s-{i}", "name": "accuracy", "data_type": "NUMERIC",
                 "value": rng.betavariate(8 if rowid % 2 == 0 else 7, 2), "source": "EVAL",
                 "trace_id": i, "timestamp": now, "created_at": now, "updated_at": now}
                for p, i, rowid in rows
            ],
        )  # fmt: skip
        conn.exec_driver_sql("ANALYZE")
    db.dispose()


def timed(call: Callable[[], httpx.Response], repeat: int) -> tuple[float, float, float]:
    began = time.perf_counter()
    first = call()
    assert first.status_code == 200, first.text[:300]
    first_ms = (time.perf_counter() - began) * 1000
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        assert call().status_code == 200
        times.append((time.perf_counter() - began) * 1000)
    return first_ms, statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--per-trace", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="reuse (or create) this data directory")
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="th-bench-versions-")) / "data"
    settings = Settings(
        data_dir=data, init_secret_key=SECRET, init_public_key="pk-th-bench-an",
        init_org_name="Bench", init_project_name="bench", init_user_email="bench@example.com",
        init_user_password="bench-password",
    )  # fmt: skip
    if not (data / "tracehouse.db").exists():
        seconds, n_obs = generate(settings, args.traces, args.per_trace)
        tag_versions(settings)
        print(f"generated {args.traces} traces / {n_obs} observations in {seconds:.0f} s")
    server = start_server(data, env={"TRACEHOUSE_RATE_LIMIT_ENABLED": "false"})
    calls = {
        "compare commit:A commit:B": ("/api/v1/versions/compare",
                                      {"a": f"commit:{SHA_A}", "b": f"commit:{SHA_B}"}),
        "compare release:v1 release:v2": ("/api/v1/versions/compare",
                                          {"a": "release:v1", "b": "release:v2"}),
        "list by commit": ("/api/v1/versions", {"by": "commit"}),
        "list by release": ("/api/v1/versions", {"by": "release"}),
    }  # fmt: skip
    auth = {"Authorization": f"Bearer {SECRET}"}
    print("| call | first ms | median ms | worst ms |\n|---|---|---|---|")
    try:
        with httpx.Client(base_url=server.url, headers=auth, timeout=120) as client:
            for label, (path, params) in calls.items():
                first, median, worst = timed(
                    lambda p=path, q=params: client.get(p, params=q), args.repeat
                )
                print(f"| `{label}` | {first:.0f} | {median:.0f} | {worst:.0f} |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
