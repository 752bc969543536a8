"""The shared OTLP yardstick on SQLite and on ClickHouse (chDB), side by side in one run.

Starts a real `tracehouse serve` on a fresh SQLite data directory and runs the shared
yardstick against it (`/work/shared/bench/bench.py`: a seeded agent workload as OTLP protobuf
batches from concurrent senders; accepted = committed spans/s, every span then checked
queryable, queries timed, server peak RSS and CPU); then the same with
`TRACEHOUSE_CLICKHOUSE_URL=chdb://DATA/clickhouse`. Disk per span is read once the server has
stopped: the whole data directory, the chDB directory, and ClickHouse's active parts
(`system.parts`: what stays once merges and the cleanup of replaced parts are done).

    .venv/bin/python bench/clickhouse.py --spans 100000 --batch 512 --concurrency 4

Analytics over 10,000,000 observations in ClickHouse: `bench/clickhouse_analytics.py`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server import start_server

SECRET = "sk-th-bench-clickhouse-0123456789abcdef"

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
        (
            "lag after last 2xx until all visible",
            lambda r: f"{r['visible']['lag_after_last_ack_s']} s",
        ),
        ("server CPU per span (ingest)", lambda r: f"{r['server']['cpu_ms_per_span_ingest']} ms"),
        ("server peak RSS", lambda r: f"{r['server'].get('peak_rss_mb_vmhwm')} MB"),
        ("data directory per span", lambda r: f"{r['after_stop']['data_dir_bytes_per_span']:,} B"),
        ("ClickHouse active parts per span", lambda r: _bytes(r, "active_parts_bytes_per_span")),
        ("chDB directory per span", lambda r: _bytes(r, "chdb_dir_bytes_per_span")),
    ]
    for query in (
        "list_latest_50_traces",
        "get_trace_all_spans",
        "spans_by_model_50",
        "tokens_by_model",
    ):
        rows.append((query, lambda r, q=query: _query(r, q)))
    kinds = list(results)
    lines = ["| | " + " | ".join(kinds) + " |", "|---|" + "---:|" * len(kinds)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(str(cell(results[k])) for k in kinds) + " |")
    load = {
        k: (r["host"]["loadavg_start"][0], r["host"]["loadavg_end"][0]) for k, r in results.items()
    }
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
    one = parser
    one.add_argument("--spans", type=int, default=100_000)
    one.add_argument("--batch", type=int, default=512)
    one.add_argument("--concurrency", type=int, default=4)
    one.add_argument("--stores", nargs="+", default=["sqlite", "clickhouse"])
    one.add_argument("--yardstick", type=Path, default=DEFAULT_YARDSTICK)
    one.add_argument("--out", type=Path, default=None, help="append the JSON results here")
    args = parser.parse_args()
    otlp(args)


if __name__ == "__main__":
    main()
