"""Analytics endpoints on ClickHouse (chDB): 1,000,000 traces / 10,000,000 observations in 30 days.

Generates the rows inside ClickHouse (`INSERT … SELECT` from `numbers()`: observations of the
shape `bench/analytics.py` writes to SQLite, then each trace's model calls and totals summed
from them), starts a real `tracehouse serve` with `TRACEHOUSE_CLICKHOUSE_URL=chdb://…`, and
times the endpoints of `bench/analytics.py` over HTTP (warm-up, then the median and worst of
--repeat calls), with the server process's CPU time.

    .venv/bin/python bench/clickhouse_analytics.py --traces 1000000 --per-trace 10

`run(data_dir, traces, per_trace, repeat)` is the same measurement for `bench/clickhouse.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.server import start_server

from analytics import SECRET, time_calls  # bench/analytics.py
from tracehouse.bootstrap import bootstrap
from tracehouse.clock import now_us
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

DAY_US = 86_400_000_000
MODELS = "['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.0-flash']"
PRICES = "[0.012, 0.0006, 0.009, 0.0004]"  # USD per call, roughly (bench/analytics.py)
NAMES = "['chat', 'search', 'summarise', 'extract', 'agent-run', 'classify']"

_OBSERVATIONS = """
INSERT INTO {db}.observations (observation_rowid, project_rowid, id, trace_id, parent_id, type,
  name, start_time, end_time, model, level, status_message, input_tokens, output_tokens,
  total_tokens, computed_total_cost, created_at, updated_at, _version)
SELECT reinterpretAsInt64(sipHash64(1, id)), {project}, concat(trace_id, '-', toString(k)) AS id,
  concat('tr-', toString(n)) AS trace_id, if(k = 0, NULL, concat(trace_id, '-0')),
  if(m = '', if(k = 0, 'agent', 'tool'), 'generation'),
  if(m = '', concat('step-', toString(k % 4)), 'llm'),
  begin + k * 135000 AS at, at + toInt64(exp(12.5 + 0.8 * (randCanonical() - 0.5) * 3.4)),
  nullIf(m, ''), if(failed AND k = 1 + cityHash64(n, 3) % ({per} - 1), 'ERROR', 'DEFAULT') AS level,
  if(level = 'ERROR', concat('Timeout after ', toString(n % 1000), ' s calling api'), NULL),
  if(m = '', NULL, tin), if(m = '', NULL, tout), if(m = '', NULL, tin + tout),
  if(m = '', NULL, {prices}[1 + cityHash64(n, k) % 4] * (tin + 4 * tout) / 2000), at, at, 1
FROM (SELECT number DIV {per} AS n, number % {per} AS k,
        {start} + n * {step} + cityHash64(n) % {step} AS begin,
        cityHash64(n, 2) % 100 < 5 AS failed,
        if(k % 2 = 1, {models}[1 + cityHash64(n, k) % 4], '') AS m,
        200 + cityHash64(n, k, 1) % 2800 AS tin, 20 + cityHash64(n, k, 2) % 580 AS tout
      FROM numbers({count}))
"""

_MODEL_CALLS = """
INSERT INTO {db}.trace_model_calls (trace_rowid, model, calls, failed_calls, input_tokens,
  output_tokens, total_tokens, cost, duration_sum, duration_count, project_rowid, created_at,
  _version)
SELECT reinterpretAsInt64(sipHash64(1, trace_id)), model, count(), countIf(level = 'ERROR'),
  sum(input_tokens), sum(output_tokens), sum(total_tokens), sum(computed_total_cost),
  sum(end_time - start_time) / 1000, count(), {project}, min(start_time), 1
FROM {db}.observations WHERE model IS NOT NULL GROUP BY trace_id, model
"""

_TRACES = """
INSERT INTO {db}.traces (trace_rowid, project_rowid, id, name, user_id, session_id,
  environment, tags, input, output, status, start_time, end_time, latency_ms,
  observation_count, error_count, input_tokens, output_tokens, total_tokens, cost, models,
  model_calls, created_at, updated_at, retried, _version)
SELECT reinterpretAsInt64(sipHash64(1, trace_id)), {project}, trace_id, {names}[1 + n % 6],
  concat('user-', toString(cityHash64(n, 4) % 500)), concat('s-', toString(n DIV 5)),
  if(n % 4 = 0, 'staging', 'production'), '["bench"]', '"question"', '"answer"',
  if(errors > 0, 'error', if(cityHash64(n, 5) % 100 < 3, 'warning', 'ok')), first, last,
  (last - first) / 1000, steps, errors, tin, tout, tin + tout, spent, models, nullIf(mc, ''), first,
  first, false, 1
FROM (
  SELECT trace_id, toUInt64(substring(trace_id, 4)) AS n, min(start_time) AS first,
    max(end_time) AS last, count() AS steps, countIf(level = 'ERROR') AS errors,
    sum(ifNull(input_tokens, 0)) AS tin, sum(ifNull(output_tokens, 0)) AS tout,
    sum(ifNull(computed_total_cost, 0)) AS spent,
    toJSONString(arraySort(groupUniqArray(model))) AS models
  FROM {db}.observations GROUP BY trace_id) AS o
LEFT JOIN (
  SELECT trace_rowid, toJSONString(mapFromArrays(groupArray(model), groupArray([calls,
    failed_calls, input_tokens, output_tokens, total_tokens, cost, duration_sum,
    duration_count]))) AS mc
  FROM {db}.trace_model_calls GROUP BY trace_rowid) AS c
ON c.trace_rowid = reinterpretAsInt64(sipHash64(1, o.trace_id))
"""


def generate(settings: Settings, traces: int, per_trace: int) -> tuple[float, int]:
    """The relational database (project, key) and the ClickHouse rows; (seconds, observations)."""
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    ch = db.clickhouse
    assert ch is not None
    began = time.monotonic()
    start = now_us() - 30 * DAY_US
    fields = {
        "db": f"`{ch.layout.database}`",
        "project": 1,
        "per": per_trace,
        "count": traces * per_trace,
        "start": start,
        "step": 30 * DAY_US // traces,
        "models": MODELS,
        "prices": PRICES,
        "names": NAMES,
    }
    for statement in (_OBSERVATIONS, _MODEL_CALLS, _TRACES):
        ch.command(statement.format(**fields))
    ch.command(f"OPTIMIZE TABLE {ch.layout.table('traces')} FINAL")
    db.dispose()
    return time.monotonic() - began, traces * per_trace


def settings_for(data: Path) -> Settings:
    return Settings(
        data_dir=data,
        clickhouse_url=f"chdb://{data / 'clickhouse'}",
        init_secret_key=SECRET,
        init_public_key="pk-th-bench-ch",
        init_org_name="Bench",
        init_project_name="bench",
        init_user_email="bench@example.com",
        init_user_password="bench-password",
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(data: Path, traces: int, per_trace: int, repeat: int) -> dict[str, Any]:
    """Generate (unless `data` holds a run already), serve, time every endpoint."""
    settings = settings_for(data)
    out: dict[str, Any] = {"traces": traces, "observations": traces * per_trace}
    if not (data / "clickhouse").exists():
        out["generate_seconds"], _ = generate(settings, traces, per_trace)
    env = {
        "TRACEHOUSE_RATE_LIMIT_ENABLED": "false",
        "TRACEHOUSE_CLICKHOUSE_URL": str(settings.clickhouse_url),
        # the search indexer would index the million generated traces meanwhile, its CPU
        # counted in the server's
        "TRACEHOUSE_SEARCH_INDEX_INTERVAL_SECONDS": "0",
    }
    server = start_server(data, env=env, start_timeout=600)
    try:
        pid = server.process.pid
        cpu, began = cpu_seconds(pid), time.monotonic()
        out["results"] = time_calls(server.url, repeat, cpu=lambda: cpu_seconds(pid))
        out["wall_seconds"] = time.monotonic() - began
        out["cpu_seconds"] = cpu_seconds(pid) - cpu
        out["peak_rss_mb"] = peak_rss_mb(pid)
    finally:
        server.stop()
    out["load"] = os.getloadavg()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--per-trace", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--data-dir", type=Path, help="reuse (or create and keep) this data directory"
    )
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="th-bench-ch-analytics-")) / "data"
    out = run(data, args.traces, args.per_trace, args.repeat)
    print(f"{out['traces']} traces / {out['observations']} observations in ClickHouse (chDB)")
    if "generate_seconds" in out:
        print(f"generated in {out['generate_seconds']:.0f} s")
    print(f"server CPU {out['cpu_seconds']:.1f} s over {out['wall_seconds']:.1f} s of calls; ")
    print(f"RSS {out['peak_rss_mb']:.0f} MB; load average {out['load']}")
    print("| endpoint | first call ms | median ms | worst ms | server CPU ms |")
    print("|---|---|---|---|---|")
    for r in out["results"]:
        times = f"{r['first_ms']:.0f} | {r['median_ms']:.0f} | {r['max_ms']:.0f}"
        times += f" | {r['cpu_ms']:.0f}"
        print(f"| `{r['endpoint']}` | {times} |")


if __name__ == "__main__":
    main()
