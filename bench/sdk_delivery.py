"""What one process can deliver with the SDK's default settings, and what it holds in memory
while the server is down.

- `burst`: `--threads` threads each make `--calls` `@observe`d calls (one observation each)
  as fast as they can, against a real `tracehouse serve`; reports the time to record them, the
  time until `flush()` returns, the sustained delivery rate, the items dropped and how many
  traces the server has afterwards.
- `down`: nothing listens at the server's address; `--calls` calls each pass a `--kb` KB
  argument; reports the peak RSS growth, the bytes buffered and the items dropped.

    .venv/bin/python bench/sdk_delivery.py burst --threads 50 --calls 1000
    .venv/bin/python bench/sdk_delivery.py down --calls 10000 --kb 100
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server import free_port, start_server  # noqa: E402

PUBLIC, SECRET = "pk-th-bench-public", "sk-th-bench-secret"


def burst(threads: int, calls: int) -> dict[str, Any]:
    from tracehouse import sdk

    with tempfile.TemporaryDirectory(prefix="tracehouse-sdk-delivery-") as tmp:
        server = start_server(
            Path(tmp) / "data",
            env={
                "TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC,
                "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
            },
        )
        try:
            client = sdk.configure(host=server.url, api_key=SECRET)

            @sdk.observe(name="burst")
            def handle(request: int, user: str) -> dict[str, Any]:
                return {"request": request, "user": user, "answer": "ok"}

            def worker(n: int) -> None:
                for i in range(calls):
                    handle(i, f"user-{n}")

            started = time.perf_counter()
            pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            recorded = time.perf_counter() - started
            flushed = client.flush(timeout=300)
            delivered = time.perf_counter() - started
            total = httpx.get(
                f"{server.url}/api/v1/traces",
                params={"limit": 1},
                headers={"Authorization": f"Bearer {SECRET}"},
                timeout=60,
            ).json()["meta"]["total_count"]
            client.shutdown()
        finally:
            server.stop()
    items = threads * calls
    return {
        "scenario": "burst",
        "items": items,
        "record_s": round(recorded, 2),
        "record_us_per_call": round(recorded / items * 1e6, 1),
        "delivered_s": round(delivered, 2),
        "items_per_s": round(items / delivered),
        "flush_returned": flushed,
        "dropped": client.delivery.dropped,
        "traces_on_server": total,
    }


def down(calls: int, kb: int) -> dict[str, Any]:
    from tracehouse import sdk

    client = sdk.configure(host=f"http://127.0.0.1:{free_port()}", api_key=SECRET)
    argument = "x" * 1024 * kb

    @sdk.observe(name="down")
    def handle(request: int, document: str) -> int:
        return request

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    for i in range(calls):
        handle(i, argument + str(i))  # a new 100 KB object each call, as an app would pass
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "scenario": "down",
        "calls": calls,
        "argument_kb": kb,
        "record_us_per_call": round(elapsed / calls * 1e6, 1),
        "buffered_items": len(client.delivery._queue),
        "buffered_mb": round(client.delivery._bytes / 2**20, 1),
        "max_queue_mb": round(client.config.max_queue_bytes / 2**20, 1),
        "dropped": client.delivery.dropped,
        "peak_rss_growth_mb": round((peak - before) / 1024, 1),
    }
    client.shutdown(timeout=0.1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=("burst", "down"))
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--kb", type=int, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.scenario == "burst":
        result = burst(args.threads, args.calls)
    else:
        result = down(args.calls, args.kb)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
