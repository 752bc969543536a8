"""Overhead of an `@observe`d call on the caller's thread: plain call vs Tracehouse's
`@observe` vs the Langfuse SDK's `@observe`, in one process, both SDKs sending to the same
real `tracehouse serve` (Tracehouse natively, Langfuse over its OTLP endpoint).

Each round times N calls of a one-argument function that returns a value (arguments and result
captured, the SDKs' defaults), then flushes both SDKs outside the timed part; the median round
is reported as microseconds per call, minus the plain call, and so is the best round (the
machine is shared: the best round is the least disturbed by other processes), and the median
CPU time of the calling thread (`median_cpu`: what the call itself costs, whatever the load).
Tracehouse is measured twice: before anything imports OpenTelemetry, and after Langfuse has
(then every observation also mirrors itself into the OTel context).

    .venv/bin/python bench/sdk_overhead.py --calls 2000 --rounds 15
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server import start_server  # noqa: E402

PUBLIC, SECRET = "pk-th-bench-public", "sk-th-bench-secret-0123456789abcdef"


def per_call_us(
    fn: Callable[[int], int], calls: int, rounds: int, flush: Callable[[], Any]
) -> tuple[float, float, float]:
    """(median, best) over rounds of the wall time per call, and the median CPU time of the
    calling thread per call (which other processes on a busy machine do not inflate), in
    microseconds."""
    samples = []
    cpu = []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        for i in range(calls):
            fn(i)
        samples.append((time.perf_counter_ns() - start) / calls / 1000)
        cpu.append((time.thread_time_ns() - start_cpu) / calls / 1000)
        flush()
    return statistics.median(samples), min(samples), statistics.median(cpu)


def plain(x: int) -> int:
    return x + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracehouse-sdk-bench-") as tmp:
        server = start_server(
            Path(tmp) / "data",
            env={"TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC, "TRACEHOUSE_INIT_SECRET_KEY": SECRET},
        )
        try:
            print(json.dumps(run(server.url, args.calls, args.rounds), indent=2))
        finally:
            server.stop()


def run(url: str, calls: int, rounds: int) -> dict[str, Any]:
    from tracehouse import sdk

    client = sdk.configure(host=url, api_key=SECRET)

    @sdk.observe
    def traced(x: int) -> int:
        return x + 1

    def flush() -> None:
        assert client.flush(60), "the server did not take the data"

    base = per_call_us(plain, calls, rounds, flush)
    ours = per_call_us(traced, calls, rounds, flush)
    assert "opentelemetry.trace" not in sys.modules

    os.environ.update(LANGFUSE_PUBLIC_KEY=PUBLIC, LANGFUSE_SECRET_KEY=SECRET, LANGFUSE_BASE_URL=url)
    from langfuse import get_client, observe

    @observe
    def langfused(x: int) -> int:
        return x + 1

    def flush_both() -> None:
        assert client.flush(60), "the server did not take the data"
        get_client().flush()

    ours_otel = per_call_us(traced, calls, rounds, flush_both)
    theirs = per_call_us(langfused, calls, rounds, flush_both)
    get_client().shutdown()
    client.shutdown()
    result: dict[str, Any] = {"calls_per_round": calls, "rounds": rounds}
    for stat, index in (("median", 0), ("best", 1), ("median_cpu", 2)):
        plain_us = base[index]
        result[stat] = {
            "plain_call_us": round(plain_us, 2),
            "tracehouse_overhead_us": round(ours[index] - plain_us, 2),
            "tracehouse_overhead_with_otel_loaded_us": round(ours_otel[index] - plain_us, 2),
            "langfuse_overhead_us": round(theirs[index] - plain_us, 2),
            "langfuse_vs_tracehouse": round(
                (theirs[index] - plain_us) / (ours_otel[index] - plain_us), 1
            ),
        }
    return result


if __name__ == "__main__":
    main()
