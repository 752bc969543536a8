"""Comparing two versions over a large project: 100,000 traces / 1,000,000 observations.

Generates the project as bench/analytics.py does (straight into a fresh SQLite database), spreads
the traces over --versions commits (and releases) in their metadata (as the SDK's git
capture and OTLP VCS attributes leave them), gives each trace a score, rebuilds the roll-ups
of every day (what ingestion would have appended, the version roll-ups included), starts a
real `tracehouse serve`, and times `GET /api/v1/versions/compare` and `GET /api/v1/versions`
over HTTP (a warm-up call, then the median and worst of --repeat calls, and the server's CPU
time per call, user + system, averaged over the repeats: the machine may be shared).

    .venv/bin/python bench/versions.py --traces 100000 --per-trace 10 --versions 2
"""

from __future__ import annotations

import argparse
import os
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

from tracehouse.analytics import rollup, rollup_store
from tracehouse.clock import now_us
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.tables import scores


def sha(k: int) -> str:
    return f"{k:08x}" + "c" * 32


def tag_versions(settings: Settings, versions: int) -> None:
    """Trace k on commit k % versions (release v<k % versions>); one score each."""
    db = open_database(settings)
    with db.writer.begin() as conn:
        conn.execute(text("DELETE FROM scores"))
        for k in range(versions):
            # As ingestion stores it: compact JSON.
            meta = orjson.dumps({"vcs.ref.head.revision": sha(k), "vcs.ref.head.name": "main"})
            conn.execute(
                text("UPDATE traces SET metadata = :m, release = :r WHERE trace_rowid % :n = :k"),
                {"m": meta.decode(), "r": f"v{k}", "n": versions, "k": k},
            )
        rows = conn.execute(text("SELECT project_rowid, id, trace_rowid FROM traces")).all()
        rng, now = random.Random(3), now_us()
        conn.execute(
            insert(scores),
            [
                {"project_rowid": p, "id": f"s-{i}", "name": "accuracy", "data_type": "NUMERIC",
                 "value": rng.betavariate(8 if rowid % versions == 0 else 7, 2), "source": "EVAL",
                 "trace_id": i, "timestamp": now, "created_at": now, "updated_at": now}
                for p, i, rowid in rows
            ],
        )  # fmt: skip
        conn.exec_driver_sql("ANALYZE")
        starts = conn.execute(text("SELECT DISTINCT project_rowid, start_time FROM traces"))
        days: dict[int, set[int]] = {}
        for project, start in starts:
            days.setdefault(project, set()).add(rollup_store.day_of(start))
        for project, found in days.items():
            rollup_store.mark_dirty(conn, project, found)
    rollup.refresh(db)
    db.dispose()


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    call: Callable[[], httpx.Response], repeat: int, pid: int
) -> tuple[float, float, float, float, str]:
    """(first, median, worst ms, server CPU ms a call, answered from)."""
    began = time.perf_counter()
    first = call()
    assert first.status_code == 200, first.text[:300]
    first_ms = (time.perf_counter() - began) * 1000
    times = []
    cpu = cpu_seconds(pid)
    for _ in range(repeat):
        began = time.perf_counter()
        assert call().status_code == 200
        times.append((time.perf_counter() - began) * 1000)
    cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / repeat
    source = str(first.json().get("source", "-"))
    return first_ms, statistics.median(times), max(times), cpu_ms, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--per-trace", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="reuse (or create) this data directory")
    parser.add_argument(
        "--versions", type=int, default=2, help="commits (and releases) the traces spread over"
    )
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="th-bench-versions-")) / "data"
    settings = Settings(
        data_dir=data, init_secret_key=SECRET, init_public_key="pk-th-bench-an",
        init_org_name="Bench", init_project_name="bench", init_user_email="bench@example.com",
        init_user_password="bench-password",
    )  # fmt: skip
    if not (data / "tracehouse.db").exists():
        seconds, n_obs = generate(settings, args.traces, args.per_trace)
        print(f"generated {args.traces} traces / {n_obs} observations in {seconds:.0f} s")
    tag_versions(settings, args.versions)
    server = start_server(data, env={"TRACEHOUSE_RATE_LIMIT_ENABLED": "false"}, timeout=600)
    calls = {
        "compare two commits": ("/api/v1/versions/compare",
                                {"a": f"commit:{sha(0)}", "b": f"commit:{sha(1)}"}),
        "compare two releases": ("/api/v1/versions/compare",
                                 {"a": "release:v0", "b": "release:v1"}),
        "list by commit": ("/api/v1/versions", {"by": "commit"}),
        "list by release": ("/api/v1/versions", {"by": "release"}),
    }  # fmt: skip
    auth = {"Authorization": f"Bearer {SECRET}"}
    print("| call | first ms | median ms | worst ms | server CPU ms | from |")
    print("|---|---|---|---|---|---|")
    try:
        with httpx.Client(base_url=server.url, headers=auth, timeout=120) as client:
            for label, (path, params) in calls.items():
                first, median, worst, cpu, source = timed(
                    lambda p=path, q=params: client.get(p, params=q),
                    args.repeat,
                    server.process.pid,
                )
                print(
                    f"| `{label}` | {first:.0f} | {median:.0f} | {worst:.0f} | {cpu:.0f} "
                    f"| {source} |"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
