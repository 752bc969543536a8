"""Server time of the web UI's pages over a large project (default: 1,000,000 observations).

Fills a fresh SQLite data directory directly through the ingest pipeline (the same merge,
pricing and roll-up as ingestion, without HTTP), then logs in and times pages through the ASGI
app in-process, so the numbers are server time: the trace list (first page, a filtered page,
full-text search, a later keyset page; the filters on scores, metadata and step level; input
and output preview columns), every other list page of the app, one trace page and the
dashboard. Each page is timed as wall time and as this process's CPU time (the server's own
work: the app and SQLite run in-process), which a busy machine inflates far less.

    .venv/bin/python bench/ui.py --observations 1000000 --per-trace 10
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.analytics import rollup
from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.clock import iso
from tracehouse.config import Settings
from tracehouse.ingest.decoders.native import TraceIn
from tracehouse.ingest.pipeline import apply_batch, make_pricer
from tracehouse.ingest.shipping import shipment_of
from tracehouse.records import Batch, ScoreRecord
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

EMAIL, PASSWORD = "bench@example.com", "bench password"
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.0-flash"]
NOW_US = int(time.time() * 1_000_000)


def trace(n: int, per_trace: int) -> Batch:
    start = NOW_US - (2_000_000 - n) * 1_000_000  # one trace a second, the last ~3 weeks ago
    observations = [
        {
            "id": f"t{n}-{i}",
            "parent_id": None if i == 0 else f"t{n}-0",
            "type": "agent" if i == 0 else ("generation" if i % 2 else "tool"),
            "name": f"step-{i % 7}",
            "start_time": start + i * 1000,
            "end_time": start + i * 1000 + 800,
            "input": {"messages": [{"role": "user", "content": f"question {n} {i}"}]},
            "output": {"role": "assistant", "content": "answer " + "y" * 80},
            "level": "WARNING" if (n + i) % 97 == 0 else "DEFAULT",
            **(
                {"model": MODELS[i % 4], "usage": {"input_tokens": 900, "output_tokens": 120}}
                if i % 2
                else {}
            ),
        }
        for i in range(per_trace)
    ]
    body = {
        "id": f"t{n}",
        "name": f"agent-{n % 5}",
        "user_id": f"user-{n % 50}",
        "session_id": f"session-{n % 2000}",
        "status": "error" if n % 37 == 0 else None,
        "input": f"go {n}",
        "release": f"v{n % 12}",
        "metadata": {"customer": f"c{n % 100}", "plan": "pro" if n % 3 else "free"},
        "observations": observations,
    }
    record, obs = TraceIn.model_validate(body).records()
    return Batch(traces=[record], observations=obs, scores=_scores(n))


def _scores(n: int) -> list[ScoreRecord]:
    """One numeric score on every trace, a categorical one on every tenth."""
    out = [ScoreRecord(f"s{n}", "accuracy", "NUMERIC", value=(n % 10) / 10, trace_id=f"t{n}")]
    if n % 10 == 0:
        label = ("good", "bad")[n % 20 // 10]
        out.append(
            ScoreRecord(f"c{n}", "verdict", "CATEGORICAL", string_value=label, trace_id=f"t{n}")
        )
    return out


def fill(settings: Settings, total: int, per_trace: int) -> float:
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    pricer = make_pricer([])
    began = time.perf_counter()
    traces = total // per_trace
    for first in range(0, traces, 500):
        with db.writer.begin() as conn:
            for n in range(first, min(first + 500, traces)):
                shipment = shipment_of(trace(n, per_trace), NOW_US)
                apply_batch(conn, 1, shipment, is_test=False, pricer=pricer, now=NOW_US)
        if first % 20_000 == 0:
            print(f"  {first * per_trace:,} observations", file=sys.stderr)
    rollup.refresh(db)  # what the server's refresher does once writes go quiet
    db.dispose()
    return time.perf_counter() - began


async def time_pages(settings: Settings, runs: int) -> dict[str, tuple[float, float]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/ui/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            data = {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
            await client.post("/ui/login", data=data)
            home = await client.get("/ui/")
            base = home.headers["location"].rsplit("/", 1)[0]
            first = await client.get(f"{base}/traces")
            cursor = re.search(r'id="next-page" href="\?cursor=([^"]+)"', first.text)
            assert cursor
            pages = {
                **_trace_pages(base, cursor.group(1)),
                **{f"{name} list": f"{base}/{path}" for name, path in LISTS},
                "trace page (10 observations)": f"{base}/traces/t1234",
                "dashboard, 30 days (every trace)": f"{base}/dashboard?range=30d",
                "dashboard, custom 2 days (hourly)": f"{base}/dashboard?{_custom_range()}",
            }
            return {name: await _median(client, url, runs) for name, url in pages.items()}


#: The other list pages of the app (path under the project).
LISTS = (
    ("sessions", "sessions"), ("observations", "observations"),
    ("observations, generations of one model", "observations?type=generation&model=gpt-4o"),
    ("users", "users"), ("prompts", "prompts"), ("skills", "skills"), ("datasets", "datasets"),
    ("experiments", "experiments"), ("evaluators", "evaluators"), ("evaluations", "evaluations"),
    ("monitors", "evaluations/monitors"), ("annotation queues", "annotations"),
    ("forks", "forks"), ("tapes", "tapes"), ("inbox", "inbox"), ("audit log", "settings/audit"),
)  # fmt: skip


def _trace_pages(base: str, cursor: str) -> dict[str, str]:
    return {
        "trace list, first page": f"{base}/traces",
        "trace list, next page (keyset)": f"{base}/traces?cursor={cursor}",
        "trace list, user + status filter": f"{base}/traces?user_id=user-7&status=error",
        "trace list, sorted by latency": f"{base}/traces?sort=latency",
        "trace list, full-text search": f"{base}/traces?q=question+1999",
        "trace list, score accuracy>=0.9": f"{base}/traces?score=accuracy%3E%3D0.9",
        "trace list, score verdict=bad": f"{base}/traces?score=verdict%3Dbad",
        "trace list, metadata customer:c7": f"{base}/traces?metadata=customer%3Ac7",
        "trace list, level WARNING": f"{base}/traces?level=WARNING",
        "trace list, release v3 + level ERROR": f"{base}/traces?release=v3&level=ERROR",
        "trace list, input + output columns": f"{base}/traces?cols=time%2Cname%2Cinput%2Coutput",
    }


def _custom_range() -> str:
    """The two days holding most of the traces (from/to as the dashboard's form sends them)."""
    start = NOW_US - 2_000_000 * 1_000_000
    return urlencode({"from": iso(start), "to": iso(start + 2 * 86_400_000_000)})


async def _median(client: httpx.AsyncClient, url: str, runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` requests after a warm-up one."""
    await client.get(url)  # warm: template compiled, pages cached
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = await client.get(url)
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--per-trace", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="Reuse (or keep) this data directory.")
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="tracehouse-bench-ui-"))
    settings = Settings(
        data_dir=data,
        init_user_email=EMAIL,
        init_user_password=PASSWORD,
        init_project_name="bench",
        retention_interval_seconds=0,
        otlp_workers=0,
        rate_limit_enabled=False,
    )
    if not (data / "tracehouse.db").exists():
        seconds = fill(settings, args.observations, args.per_trace)
        print(f"filled {args.observations:,} observations in {seconds:.0f} s", file=sys.stderr)
    upgrade(settings)  # a kept data directory gets the migrations added since it was filled
    results = asyncio.run(time_pages(settings, args.runs))
    print(f"| page ({args.observations:,} observations) | median wall | median CPU |")
    print("|---|---:|---:|")
    for name, (wall, cpu) in results.items():
        print(f"| {name} | {wall:.0f} ms | {cpu:.0f} ms |")


if __name__ == "__main__":
    main()
