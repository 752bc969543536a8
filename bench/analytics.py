"""Analytics endpoints over a large project: 100,000 traces / 1,000,000 observations in 30 days.

Generates the data straight into a fresh SQLite database through the store layer (the tables'
rows, and the daily roll-ups, as ingestion leaves them), starts a real `tracehouse serve` on
it, and times each analytics endpoint over HTTP (warm-up, then the median and worst of
--repeat calls).

    .venv/bin/python bench/analytics.py --traces 100000 --per-trace 10
    .venv/bin/python bench/analytics.py --data-dir DIR --filters   # uncovered filters
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.server import start_server

from tracehouse.analytics import rollup, rollup_store
from tracehouse.bootstrap import bootstrap
from tracehouse.clock import iso, now_us
from tracehouse.config import Settings
from tracehouse.ingest.store import repeats_a_failure, replace_model_calls
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import observations, traces

SECRET = "sk-th-bench-analytics-0123456789abcdef"
DAY_US = 86_400_000_000
MODELS = {  # USD per call, roughly
    "gpt-4o": 0.012,
    "gpt-4o-mini": 0.0006,
    "claude-sonnet-4-5": 0.009,
    "gemini-2.0-flash": 0.0004,
}
NAMES = ["chat", "search", "summarise", "extract", "agent-run", "classify"]
ERRORS = [
    "Timeout after {n} s calling 'api-{n}'",
    'Rate limit 429 for key "sk-{n}"',
    "Tool search_web failed: connection reset by peer (request {n:x})",
    "Invalid JSON in model output at position {n}",
]


def trace_rows(project: int, count: int, per_trace: int, end: int) -> Iterator[tuple[Any, Any]]:
    """(trace row, its observation rows) for `count` traces spread over the 30 days to `end`."""
    rng = random.Random(7)
    start0 = end - 30 * DAY_US
    step = 30 * DAY_US // count
    for i in range(count):
        begin = start0 + i * step + rng.randrange(step)
        failed = rng.random() < 0.05
        obs, total = _observations(rng, project, f"tr-{i}", begin, per_trace, failed)
        latency_us = max(o["end_time"] for o in obs) - begin
        models = sorted({o["model"] for o in obs if o["model"]})
        status = "error" if failed else ("warning" if rng.random() < 0.03 else "ok")
        trace = {
            "project_rowid": project,
            "id": f"tr-{i}",
            "name": NAMES[i % len(NAMES)],
            "user_id": f"user-{rng.randrange(500)}",
            "session_id": f"s-{i // 5}",
            "environment": "production" if i % 4 else "staging",
            "tags": '["bench"]',
            "input": '"question"',
            "output": '"answer"',
            "status": status,
            "reported_status": "warning" if status == "warning" else None,
            "status_message": None,
            "start_time": begin,
            "end_time": begin + latency_us,
            "latency_ms": latency_us / 1000,
            "observation_count": len(obs),
            "error_count": 1 if failed else 0,
            "models": orjson.dumps(models).decode(),
            "created_at": begin,
            "updated_at": begin,
            "retried": repeats_a_failure([SimpleNamespace(**o) for o in obs]),
            "model_calls": _model_calls(obs),
            **total,
        }
        yield trace, obs


def _model_calls(obs: list[dict[str, Any]]) -> str | None:
    """The trace's `model_calls` column, as ingestion rolls it up."""
    calls: dict[str, list[float]] = {}
    for o in obs:
        if o["model"]:
            figures = calls.setdefault(o["model"], [0, 0, 0, 0, 0, 0.0, 0.0, 0])
            duration = (o["end_time"] - o["start_time"]) / 1000.0
            add = (1, o["level"] == "ERROR", o["input_tokens"], o["output_tokens"])
            add += (o["total_tokens"], o["computed_total_cost"], duration, 1)
            figures[:] = [a + b for a, b in zip(figures, add, strict=True)]
    return orjson.dumps(calls).decode() if calls else None


def _observations(
    rng: random.Random, project: int, trace_id: str, begin: int, n: int, failed: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    at = begin
    totals = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "cost": 0.0}
    fail_at = rng.randrange(1, n) if failed else -1
    for k in range(n):
        duration = int(rng.lognormvariate(12.5, 0.8))  # ~270 ms median, long tail
        model = rng.choice(list(MODELS)) if k % 2 == 1 else None
        level = "ERROR" if k == fail_at else "DEFAULT"
        name = "llm" if model else f"step-{k % 4}"
        row = {
            "project_rowid": project,
            "id": f"{trace_id}-{k}",
            "trace_id": trace_id,
            "parent_id": None if k == 0 else f"{trace_id}-0",
            "type": "generation" if model else ("agent" if k == 0 else "tool"),
            "name": name,
            "start_time": at,
            "end_time": at + duration,
            "model": model,
            "level": level,
            "status_message": ERRORS[k % 4].format(n=rng.randrange(1000))
            if level == "ERROR"
            else None,
            "created_at": at,
            "updated_at": at,
        }
        if model:
            tokens_in, tokens_out = rng.randrange(200, 3000), rng.randrange(20, 600)
            cost = MODELS[model] * (tokens_in + 4 * tokens_out) / 2000
            row.update(
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                total_tokens=tokens_in + tokens_out,
                computed_total_cost=cost,
            )
            totals["input_tokens"] += tokens_in
            totals["output_tokens"] += tokens_out
            totals["total_tokens"] += tokens_in + tokens_out
            totals["cost"] += cost
        rows.append(row)
        at += duration // 2
    return rows, totals


def generate(settings: Settings, count: int, per_trace: int) -> tuple[float, int]:
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    began = time.monotonic()
    end = now_us()
    n_obs = 0
    with db.writer.begin() as conn:
        project = conn.execute(text("SELECT project_rowid FROM projects LIMIT 1")).scalar_one()
    batch_t: list[dict[str, Any]] = []
    batch_o: list[dict[str, Any]] = []
    for trace, obs in trace_rows(project, count, per_trace, end):
        batch_t.append(trace)
        batch_o.extend(obs)
        if len(batch_t) >= 5000:
            n_obs += _flush(db, batch_t, batch_o)
    n_obs += _flush(db, batch_t, batch_o)
    with db.writer.begin() as conn:
        rollup_store.mark_dirty(conn, project, range(end - 31 * DAY_US, end + DAY_US, DAY_US))
    # The roll-ups as ingestion leaves them (it appends each batch's changes): built here from
    # the rows written, every day summed to one row per group.
    rollup.refresh(db)
    with db.writer.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    db.dispose()
    return time.monotonic() - began, n_obs


def _flush(db: Any, batch_t: list[dict[str, Any]], batch_o: list[dict[str, Any]]) -> int:
    n = len(batch_o)
    if batch_t:
        with db.writer.begin() as conn:
            conn.execute(insert(traces), _uniform(batch_t))
            conn.execute(insert(observations), _uniform(batch_o))
            _model_call_rows(conn, batch_t)
    batch_t.clear()
    batch_o.clear()
    return n


def _model_call_rows(conn: Any, batch_t: list[dict[str, Any]]) -> None:
    """The batch's `trace_model_calls`, as ingestion writes them with the trace's roll-up."""
    t = traces.c
    ids = [row["id"] for row in batch_t]
    query = select(t.trace_rowid, t.model_calls).where(
        t.project_rowid == batch_t[0]["project_rowid"], t.id.in_(ids)
    )
    stored = conn.execute(query).all()
    calls = [{m: tuple(f) for m, f in orjson.loads(c or "{}").items()} for _, c in stored]
    replace_model_calls(conn, [rowid for rowid, _ in stored], calls)


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = sorted({k for row in rows for k in row})
    return [{k: row.get(k) for k in keys} for row in rows]


def endpoints(end: int) -> list[tuple[str, str, dict[str, Any]]]:
    month = {"from": iso(end - 30 * DAY_US), "to": iso(end)}
    day = {"from": iso(end - DAY_US), "to": iso(end)}
    return [
        ("GET", "/api/v1/analytics", month),
        ("GET", "/api/v1/analytics", day),
        ("GET", "/api/v1/analytics", {**month, "environment": "staging", "name": "chat"}),
        ("GET", "/api/v1/analytics", {**month, "user_id": "user-7"}),
        ("GET", "/api/v1/analytics", {**month, "model": "gpt-4o"}),
        ("GET", "/api/v1/failures", month),
        ("GET", "/api/v1/analytics/costs", month),
        ("GET", "/api/v1/analytics/cost-intelligence", month),
        ("GET", "/api/v1/usage", {}),
        ("GET", "/api/v1/usage/daily", {}),
        ("GET", "/api/v1/insights/drift", {}),
        ("GET", "/api/v1/insights/anomalies", {"window_hours": 6}),
        ("GET", "/api/v1/insights/failures", month),
        ("POST", "/api/v1/insights/root-cause", {"trace_id": "?"}),
        # The `model` filter (traces with a call of the model) on every endpoint taking filters.
        ("GET", "/api/v1/failures", {**month, "model": "gpt-4o"}),
        ("GET", "/api/v1/analytics/costs", {**month, "model": "gpt-4o"}),
        ("GET", "/api/v1/analytics/cost-intelligence", {**month, "model": "gpt-4o"}),
        ("GET", "/api/v1/insights/drift", {"model": "gpt-4o"}),
        ("GET", "/api/v1/insights/anomalies", {"window_hours": 6, "model": "gpt-4o"}),
        ("GET", "/api/v1/insights/failures", {**month, "model": "gpt-4o"}),
        ("GET", "/api/v1/analytics", {**day, "model": "gpt-4o"}),
    ]


#: Filters the roll-ups do not cover: every query reads the traces (and observations).
UNCOVERED: tuple[dict[str, Any], ...] = (
    {"tags": "bench"},  # every trace
    {"q": "summar"},  # a sixth of the traces, by name
    {"session_id": "s-7000"},  # 5 traces
    {"user_id": "user-7", "model": "gpt-4o"},
    {"min_cost": 0.02},
)
FILTERED = (
    "/api/v1/analytics",
    "/api/v1/failures",
    "/api/v1/analytics/costs",
    "/api/v1/analytics/cost-intelligence",
    "/api/v1/insights/drift",
    "/api/v1/insights/anomalies",
    "/api/v1/insights/failures",
)


def filtered_endpoints(end: int) -> list[tuple[str, str, dict[str, Any]]]:
    month = {"from": iso(end - 30 * DAY_US), "to": iso(end)}
    out = []
    for extra in UNCOVERED:
        for path in FILTERED:
            ranged = path not in ("/api/v1/insights/drift", "/api/v1/insights/anomalies")
            out.append(("GET", path, {**(month if ranged else {}), **extra}))
    return out


def time_calls(
    url: str, repeat: int, filtered: bool = False, cpu: Callable[[], float] | None = None
) -> list[dict[str, Any]]:
    """Each endpoint: a first call, then `repeat` timed ones; with `cpu` (the server's CPU
    seconds so far), the server CPU per timed call too (`cpu_ms`, their mean)."""
    auth = {"Authorization": f"Bearer {SECRET}"}
    results = []
    with httpx.Client(base_url=url, headers=auth, timeout=120) as client:
        failed = client.get("/api/v1/failures", params={"limit": 1, "kind": "failed"}).json()
        failed_id = failed["failed_traces"]["data"][0]["id"]
        calls = filtered_endpoints(now_us()) if filtered else endpoints(now_us())
        for method, path, params in calls:
            call = (
                (lambda p=path: client.post(p, json={"trace_id": failed_id}))
                if method == "POST"
                else (lambda p=path, q=params: client.get(p, params=q))
            )
            began = time.perf_counter()
            first = call()
            first_ms = (time.perf_counter() - began) * 1000
            if first.status_code == 404 and "No route" in first.text:
                continue
            assert first.status_code == 200, (path, first.text[:300])
            times = []
            cpu_before = cpu() if cpu else 0.0
            for _ in range(repeat):
                began = time.perf_counter()
                response = call()
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
            label = path + (
                "?" + "&".join(f"{k}=…" for k in params if k not in ("from", "to"))
                if method == "GET" and params
                else ""
            )
            span = "" if "from" not in params else f" ({_days(params)} d)"
            results.append(
                {
                    "endpoint": f"{method} {label}{span}",
                    "first_ms": first_ms,
                    "first_stale_days": len(
                        first.json().get("freshness", {}).get("stale_days", [])
                        if method == "GET"
                        else []
                    ),
                    "median_ms": statistics.median(times),
                    "cpu_ms": (cpu() - cpu_before) * 1000 / repeat if cpu else None,
                    "max_ms": max(times),
                }
            )
    return results


def wait_current(url: str, started: float, limit: float = 600) -> float | None:
    """Seconds from the server's start until `GET /analytics` (30 d) says it is current."""
    auth = {"Authorization": f"Bearer {SECRET}"}
    end = now_us()
    month = {"from": iso(end - 30 * DAY_US), "to": iso(end)}
    with httpx.Client(base_url=url, headers=auth, timeout=120) as client:
        while time.monotonic() - started < limit:
            body = client.get("/api/v1/analytics", params=month).json()
            if body["freshness"]["current"]:
                return time.monotonic() - started
            time.sleep(1)
    return None


def _days(params: dict[str, Any]) -> int:
    from tracehouse.clock import to_us

    return round((to_us(params["to"]) - to_us(params["from"])) / DAY_US)  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--per-trace", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="reuse (or create) this data directory")
    parser.add_argument(
        "--filters", action="store_true", help="time the filters the roll-ups do not cover"
    )
    parser.add_argument(
        "--wait-current",
        action="store_true",
        help="then wait until the refresher has rebuilt every stale day; print how long",
    )
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="th-bench-analytics-")) / "data"
    settings = Settings(
        data_dir=data,
        init_secret_key=SECRET,
        init_public_key="pk-th-bench-an",
        init_org_name="Bench",
        init_project_name="bench",
        init_user_email="bench@example.com",
        init_user_password="bench-password",
    )
    if not (data / "tracehouse.db").exists():
        seconds, n_obs = generate(settings, args.traces, args.per_trace)
        print(f"generated {args.traces} traces / {n_obs} observations in {seconds:.0f} s")
    size = (data / "tracehouse.db").stat().st_size / 1e6
    started = time.monotonic()
    server = start_server(data, env={"TRACEHOUSE_RATE_LIMIT_ENABLED": "false"})
    try:
        results = time_calls(server.url, args.repeat, args.filters)
        current = wait_current(server.url, started) if args.wait_current else None
    finally:
        server.stop()
    print(f"database {size:.0f} MB")
    if args.wait_current:
        print(f"roll-ups current {current:.0f} s after the server started" if current else "")
    print("| endpoint | first call ms (stale days) | median ms | worst ms |\n|---|---|---|---|")
    for r in results:
        first = f"{r['first_ms']:.0f} ({r['first_stale_days']})"
        print(f"| `{r['endpoint']}` | {first} | {r['median_ms']:.0f} | {r['max_ms']:.0f} |")


if __name__ == "__main__":
    main()
