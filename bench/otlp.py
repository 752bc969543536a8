"""OTLP/HTTP protobuf ingestion, measured with the shared yardstick (`../shared/bench/bench.py`).

Starts a real `tracehouse serve` on a fresh SQLite data directory with known keys, then runs the
yardstick against it: its seeded agent workload (LLM spans with GenAI and OpenInference
attributes and 0.5-4 KB messages, tool spans, errors) sent as protobuf batches by concurrent
senders, every span then checked queryable, queries timed, server peak memory (VmHWM) and disk
read from /proc and the data directory. The yardstick's JSON line is printed and, with --out,
appended to a file.

    .venv/bin/python bench/otlp.py --spans 100000 --batch 512 --concurrency 4 [--masking]

`--masking` turns on every built-in PII masking rule (redact) for the project first
(`docs/masking.md`), to measure what masking costs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server import start_server

SECRET = "sk-th-bench-secret-0123456789abcdef"
DEFAULT_YARDSTICK = ROOT.parent / "shared" / "bench" / "bench.py"


def enable_masking(url: str) -> None:
    """Every built-in detector as a redact rule of the bench project."""
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    listed = urllib.request.Request(f"{url}/api/v1/masking-rules", headers=headers)
    with urllib.request.urlopen(listed) as response:
        detectors = [d["name"] for d in json.load(response)["detectors"]]
    for name in detectors:
        body = json.dumps({"detector": name, "action": "redact"}).encode()
        request = urllib.request.Request(
            f"{url}/api/v1/masking-rules", data=body, headers=headers, method="POST"
        )
        urllib.request.urlopen(request).close()
    print(f"masking: {', '.join(detectors)} (redact)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=None, help="TRACEHOUSE_OTLP_WORKERS (default: the setting's)"
    )
    parser.add_argument(
        "--masking", action="store_true", help="enable every built-in PII masking rule first"
    )
    parser.add_argument(
        "--search-index",
        choices=("on", "off"),
        default="on",
        help="run the search indexer in the server (default) or not "
        "(TRACEHOUSE_SEARCH_INDEX_INTERVAL_SECONDS=0)",
    )
    parser.add_argument("--yardstick", type=Path, default=DEFAULT_YARDSTICK)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--keep", type=Path, default=None, help="use (and keep) this data directory, new or empty"
    )
    args = parser.parse_args()
    if not args.yardstick.exists():
        sys.exit(f"yardstick not found at {args.yardstick}; pass --yardstick")
    with tempfile.TemporaryDirectory(prefix="tracehouse-otlp-bench-") as tmp:
        data = args.keep or Path(tmp) / "data"
        env = {
            "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-bench",
            "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
            "TRACEHOUSE_INIT_USER_PASSWORD": "bench-password",
            "TRACEHOUSE_LOG_LEVEL": "warning",
        }
        if args.search_index == "off":
            env["TRACEHOUSE_SEARCH_INDEX_INTERVAL_SECONDS"] = "0"
        if args.workers is not None:
            env["TRACEHOUSE_OTLP_WORKERS"] = str(args.workers)
        server = start_server(data, env=env, start_timeout=600)
        try:
            if args.masking:
                enable_masking(server.url)
            command = [
                sys.executable,
                str(args.yardstick),
                "--adapter=tracehouse",
                f"--base-url={server.url}",
                f"--pid={server.process.pid}",
                f"--db-path={data}",
                f"--spans={args.spans}",
                f"--batch={args.batch}",
                f"--concurrency={args.concurrency}",
                f"--label=tracehouse-sqlite-index-{args.search_index}",
            ]
            if args.gzip:
                command.append("--gzip")
            if args.out:
                command.append(f"--out={args.out}")
            done = subprocess.run(command, env={"TH_SK": SECRET, "PATH": ""}, check=False)
        finally:
            server.stop()
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
