"""ClickHouse (chDB) side by side with SQLite: the shared OTLP yardstick, and analytics over
10,000,000 observations.

`otlp` (default): starts a real `tracehouse serve` on a fresh SQLite data directory, runs the
shared yardstick (`../shared/bench/bench.py`: seeded agent workload as OTLP protobuf batches
from concurrent senders, accepted = committed spans/s, every span checked queryable, queries
timed, server peak RSS and CPU); then the same with `TRACEHOUSE_CLICKHOUSE_URL=chdb://…` in
the same data directory layout. Disk per span is read after the server stopped: the whole data
directory, and for ClickHouse its active parts (`system.parts`, what stays once merges and
the cleanup of replaced parts are done).

`analytics`: generates N traces x 10 observations over the last 30 days straight into
ClickHouse (`INSERT … SELECT FROM numbers()`, shaped like bench/analytics.py's real spans:
four models with tokens and cost, tool steps, 5% failed traces, 500 users, 6 names, 2
environments; traces and model calls rolled up from the observations as ingestion does), then
starts a server on it and times each analytics endpoint over HTTP (bench/analytics.py's list).

    .venv/bin/python bench/clickhouse.py otlp --spans 100000 --batch 512 --concurrency 4
    .venv/bin/python bench/clickhouse.py analytics --traces 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.analytics import SECRET, time_calls
from tests.server import start_server

DEFAULT_YARDSTICK = Path("/work/shared/bench/bench.py")
DAY_US = 86_400_000_000
INIT = {
    "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-bench-an",
    "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
    "TRACEHOUSE_INIT_USER_PASSWORD": "bench-password",
    "TRACEHOUSE_INIT_PROJECT_NAME": "bench",
    "TRACEHOUSE_LOG_LEVEL": "warning",
    "TRACEHOUSE_RATE_LIMIT_ENABLED": "false",
}


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def active_parts_bytes(chdb: Path) -> int:
    """Bytes of the trace tables' active parts (read with the server stopped: one process
    owns a chDB directory)."""
    import clickhouse_connect

    client = clickhouse_connect.get_client(interface="chdb", path=str(chdb))
    try:
        sql = "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'tracehouse'"
        return int(client.query(sql).result_rows[0][0])
    finally:
        client.close()


def run_yardstick(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """One server (SQLite, or SQLite + chDB), the yardstick against it, its JSON result with
    the disk figures."""
    with tempfile.TemporaryDirectory(prefix=f"th-bench-{kind}-") as tmp:
        data = Path(tmp) / "data"
        chdb = data / "clickhouse"
        env = dict(INIT)
        if kind == "clickhouse":
            env["TRACEHOUSE_CLICKHOUSE_URL"] = f"chdb://{chdb}"
        out = Path(tmp) / "result.jsonl"
        server = start_server(data, env=env, start_timeout=300)
        try:
            command = [
                sys.executable, str(args.yardstick), "--adapter=tracehouse",
                f"--base-url={server.url}", f"--pid={server.process.pid}",
                f"--db-path={chdb if kind == 'clickhouse' else data}", f"--spans={args.spans}",
                f"--batch={args.batch}", f"--concurrency={args.concurrency}",
                f"--label=tracehouse-{kind}", f"--out={out}",
            ]  # fmt: skip
            subprocess.run(command, env={"TH_SK": SECRET, "PATH": ""}, check=True)
        finally:
            server.stop()
        result: dict[str, Any] = json.loads(out.read_text().splitlines()[-1])
        spans = result["workload"]["spans"]
        result["after_stop"] = {"data_dir_bytes_per_span": round(dir_bytes(data) / spans)}
        if kind == "clickhouse":
            result["after_stop"] |= {
                "chdb_dir_bytes_per_span": round(dir_bytes(chdb) / spans),
                "active_parts_bytes_per_span": round(active_parts_bytes(chdb) / spans),
            }
    return result


def side_by_side(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of the figures that matter, one column per store."""
    rows: list[tuple[str, Any]] = [
        ("accepted spans/s", lambda r: f"{r['send']['accepted_spans_per_s']:,.0f}"),
        ("batches retried (429/503)", lambda r: r["send"]["retries"]),
        ("lag after last 2xx until all visible", lambda r: f"{r['visible']['lag_after_last_ack_s']} s"),
        ("server CPU per span (ingest)", lambda r: f"{r['server']['cpu_ms_per_span_ingest']} ms"),
        ("server peak RSS", lambda r: f"{r['server'].get('peak_rss_mb_vmhwm')} MB"),
        ("data directory per span", lambda r: f"{r['after_stop']['data_dir_bytes_per_span']:,} B"),
        ("ClickHouse active parts per span", lambda r: _bytes(r, "active_parts_bytes_per_span")),
        ("chDB directory per span", lambda r: _bytes(r, "chdb_dir_bytes_per_span")),
    ]
    for query in ("list_latest_50_traces", "get_trace_all_spans", "spans_by_model_50", "tokens_by_model"):
        rows.append((query, lambda r, q=query: _query(r, q)))
    kinds = list(results)
    lines = ["| | " + " | ".join(kinds) + " |", "|---|" + "---:|" * len(kinds)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(str(cell(results[k])) for k in kinds) + " |")
    load = {k: (r["host"]["loadavg_start"][0], r["host"]["loadavg_end"][0]) for k, r in results.items()}
    lines.append(f"\nload average (1 min) at start/end: {load}")
    return "\n".join(lines)


def _bytes(result: dict[str, Any], key: str) -> str:
    value = result["after_stop"].get(key)
    return "—" if value is None else f"{value:,} B"


def _query(result: dict[str, Any], name: str) -> str:
    q = result["queries"].get(name, {})
    if "median_ms" not in q:
        return f"({q.get('skipped', 'missing')})"
    return f"{q['median_ms']} ms" + ("" if q.get("ok") else " NOT OK")


# -- analytics over generated data -----------------------------------------------------------

_MODELS = "['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.0-flash']"
_PRICES = "[0.012, 0.0006, 0.009, 0.0004]"
_NAMES = "['chat', 'search', 'summarise', 'extract', 'agent-run', 'classify']"


def observations_sql(db: str, project: int, traces: int, per_trace: int, end: int) -> str:
    """10 observations per trace: an agent root, model calls on odd steps, tool steps; one
    step of 5% of the traces failed."""
    start0, step = end - 30 * DAY_US, 30 * DAY_US // traces
    h = "cityHash64(t, k, {})".format
    return f"""
INSERT INTO `{db}`.observations (observation_rowid, project_rowid, id, trace_id, parent_id, type,
    name, start_time, end_time, model, input_tokens, output_tokens, total_tokens,
    computed_total_cost, level, status_message, is_test, created_at, updated_at, _version)
SELECT reinterpretAsInt64(sipHash64({project}, id)), {project}, id, trace_id,
    if(k = 0, NULL, concat(trace_id, '-0')),
    if(is_model, 'generation', if(k = 0, 'agent', 'tool')),
    if(is_model, 'llm', concat('step-', toString(k % 4))),
    at, at + duration, if(is_model, model, NULL),
    if(is_model, tin, NULL), if(is_model, tout, NULL), if(is_model, tin + tout, NULL),
    if(is_model, price * (tin + 4 * tout) / 2000, NULL),
    if(failed AND k = fail_at, 'ERROR', 'DEFAULT'),
    if(failed AND k = fail_at, concat('Timeout after ', toString({h(9)} % 1000), ' s calling api'), NULL),
    false, at, at, 1
FROM (
    SELECT intDiv(number, {per_trace}) AS t, number % {per_trace} AS k,
        concat('tr-', toString(t)) AS trace_id, concat(trace_id, '-', toString(k)) AS id,
        k % 2 = 1 AS is_model, {h(1)} % 4 AS m, {_MODELS}[m + 1] AS model,
        {_PRICES}[m + 1] AS price, 200 + {h(2)} % 2800 AS tin, 20 + {h(3)} % 580 AS tout,
        toInt64(20000 + {h(4)} % 480000) AS duration,
        toInt64({start0} + t * {step} + cityHash64(t, 7) % {step}) + k * 100000 AS at,
        cityHash64(t, 5) % 100 < 5 AS failed, 1 + cityHash64(t, 6) % {per_trace - 1} AS fail_at
    FROM numbers({traces * per_trace})
)"""


def model_calls_sql(db: str, project: int) -> str:
    """The per-trace model figures, rolled up from the observations."""
    return f"""
INSERT INTO `{db}`.trace_model_calls (trace_rowid, model, calls, failed_calls, input_tokens,
    output_tokens, total_tokens, cost, duration_sum, duration_count, project_rowid, created_at,
    _version)
SELECT reinterpretAsInt64(sipHash64({project}, trace_id)), model, count(),
    countIf(level = 'ERROR'), sum(input_tokens), sum(output_tokens), sum(total_tokens),
    sum(computed_total_cost), sum(end_time - start_time) / 1000, count(), {project},
    min(start_time), 1
FROM `{db}`.observations WHERE model IS NOT NULL GROUP BY trace_id, model"""


def traces_sql(db: str, project: int) -> str:
    """The traces with their roll-up (totals, status, models and `model_calls` JSON)."""
    return f"""
INSERT INTO `{db}`.traces (trace_rowid, project_rowid, id, name, user_id, session_id,
    environment, tags, input, output, reported_status, status, start_time, end_time, latency_ms,
    observation_count, error_count, input_tokens, output_tokens, total_tokens, cost, models,
    public, bookmarked, is_test, created_at, updated_at, retried, model_calls, _version)
SELECT reinterpretAsInt64(sipHash64({project}, trace_id)), {project}, trace_id,
    {_NAMES}[t % 6 + 1], concat('user-', toString(cityHash64(t, 9) % 500)),
    concat('s-', toString(intDiv(t, 5))), if(t % 4 = 0, 'staging', 'production'),
    '["bench"]', '"question"', '"answer"', if(warned, 'warning', NULL),
    if(errors > 0, 'error', if(warned, 'warning', 'ok')), begin, finish,
    (finish - begin) / 1000, n, errors, tin, tout, ttotal, cost, models, false, false, false,
    begin, begin, false, calls, 1
FROM (
    SELECT trace_id, toUInt64(substring(trace_id, 4)) AS t, min(start_time) AS begin,
        max(end_time) AS finish, count() AS n, countIf(level = 'ERROR') AS errors,
        sum(ifNull(input_tokens, 0)) AS tin, sum(ifNull(output_tokens, 0)) AS tout,
        sum(ifNull(total_tokens, 0)) AS ttotal, sum(ifNull(computed_total_cost, 0)) AS cost,
        toJSONString(arraySort(groupUniqArrayIf(assumeNotNull(model), model IS NOT NULL))) AS models,
        errors = 0 AND cityHash64(t, 8) % 100 < 3 AS warned
    FROM `{db}`.observations GROUP BY trace_id
) AS a
LEFT JOIN (
    SELECT trace_rowid, toJSONString(mapFromArrays(groupArray(model), groupArray([
            toFloat64(calls), failed_calls, input_tokens, output_tokens, total_tokens, cost,
            duration_sum, duration_count]))) AS calls
    FROM `{db}`.trace_model_calls GROUP BY trace_rowid
) AS b ON reinterpretAsInt64(sipHash64({project}, a.trace_id)) = b.trace_rowid"""


def generate(data: Path, traces: int, per_trace: int) -> dict[str, Any]:
    """The relational database (keys, project) and the ClickHouse data; timings and sizes."""
    from tracehouse.bootstrap import bootstrap
    from tracehouse.clock import now_us
    from tracehouse.config import Settings
    from tracehouse.store.engine import open_database
    from tracehouse.store.migrate import upgrade

    settings = Settings(
        data_dir=data,
        clickhouse_url=f"chdb://{data / 'clickhouse'}",
        **{k.removeprefix("TRACEHOUSE_").lower(): v for k, v in INIT.items()},
    )
    upgrade(settings)
    db = open_database(settings)
    figures: dict[str, Any] = {}
    try:
        bootstrap(db.writer, settings)
        with db.writer.connect() as conn:
            project = conn.exec_driver_sql("SELECT project_rowid FROM projects LIMIT 1").scalar_one()
        ch = db.clickhouse
        assert ch is not None
        name = ch.layout.database
        for label, sql in (
            ("observations", observations_sql(name, project, traces, per_trace, now_us())),
            ("trace_model_calls", model_calls_sql(name, project)),
            ("traces", traces_sql(name, project)),
        ):
            began = time.monotonic()
            ch.command(sql)
            figures[f"{label}_s"] = round(time.monotonic() - began, 1)
        ch.command(f"OPTIMIZE TABLE `{name}`.observations FINAL")  # parts as merges leave them
        sizes = ch.rows(
            "SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts "
            f"WHERE active AND database = '{name}' GROUP BY table"
        )
        figures["tables"] = {r["table"]: (int(r["rows"]), int(r["bytes"])) for r in sizes}
    finally:
        db.dispose()
    return figures


def analytics(args: argparse.Namespace) -> None:
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="th-bench-ch-analytics-")) / "data"
    if not (data / "clickhouse").exists():
        figures = generate(data, args.traces, args.per_trace)
        print(json.dumps(figures), flush=True)
    env = {**INIT, "TRACEHOUSE_CLICKHOUSE_URL": f"chdb://{data / 'clickhouse'}"}
    started = os.getloadavg()
    server = start_server(data, env=env, start_timeout=300)
    try:
        results = time_calls(server.url, args.repeat)
    finally:
        server.stop()
    print(f"load average at start {started}, at end {os.getloadavg()}")
    print("| endpoint | first call ms | median ms | worst ms |\n|---|---:|---:|---:|")
    for r in results:
        print(f"| `{r['endpoint']}` | {r['first_ms']:.0f} | {r['median_ms']:.0f} | {r['max_ms']:.0f} |")


def otlp(args: argparse.Namespace) -> None:
    if not args.yardstick.exists():
        sys.exit(f"yardstick not found at {args.yardstick}; pass --yardstick")
    results = {kind: run_yardstick(kind, args) for kind in args.stores}
    if args.out:
        with args.out.open("a") as handle:
            for result in results.values():
                handle.write(json.dumps(result) + "\n")
    print(side_by_side(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what")
    one = sub.add_parser("otlp", help="the OTLP yardstick on SQLite and on chDB")
    one.add_argument("--spans", type=int, default=100_000)
    one.add_argument("--batch", type=int, default=512)
    one.add_argument("--concurrency", type=int, default=4)
    one.add_argument("--stores", nargs="+", default=["sqlite", "clickhouse"])
    one.add_argument("--yardstick", type=Path, default=DEFAULT_YARDSTICK)
    one.add_argument("--out", type=Path, default=None, help="append the JSON results here")
    two = sub.add_parser("analytics", help="analytics endpoints over generated ClickHouse data")
    two.add_argument("--traces", type=int, default=1_000_000)
    two.add_argument("--per-trace", type=int, default=10)
    two.add_argument("--repeat", type=int, default=5)
    two.add_argument("--data-dir", type=Path, help="reuse (or create) this data directory")
    args = parser.parse_args(sys.argv[1:] or ["otlp"])
    analytics(args) if args.what == "analytics" else otlp(args)


if __name__ == "__main__":
    main()
