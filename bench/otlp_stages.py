"""Where OTLP ingestion spends its CPU, timed in-process per stage, without HTTP.

`worker` is what an OTLP worker process does for a request body (decode, map, fold, encode
the JSON columns, pickle the result); `write` is what the server process does with it
(unpickle, merge, price, upsert, roll up, commit). Uses the shared yardstick's seeded
workload (`../shared/bench/workload.py`) and a fresh SQLite database.

    .venv/bin/python bench/otlp_stages.py --spans 20000 [--profile worker|write] [--masking]

`--masking`: the worker masks with every built-in PII detector (redact), as a project with
those rules has it do (`docs/masking.md`).
"""

from __future__ import annotations

import argparse
import os
import cProfile
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent / "shared" / "bench"))

from tracehouse.bootstrap import bootstrap  # noqa: E402
from tracehouse.config import Settings  # noqa: E402
from tracehouse.ingest.pipeline import apply_batch, make_pricer  # noqa: E402
from tracehouse.masking.detectors import BUILT_IN  # noqa: E402
from tracehouse.masking.engine import Masker, built_in_rule  # noqa: E402
from tracehouse.otlp.decode import PROTOBUF  # noqa: E402
from tracehouse.otlp.offload import _prepare_shipped, _spill, _take  # noqa: E402
from tracehouse.store.engine import open_database  # noqa: E402
from tracehouse.store.migrate import upgrade  # noqa: E402


def _bodies(spans: int, batch: int) -> list[tuple[bytes, int]]:
    import workload  # the yardstick's generator

    traces = workload.Workload(seed=42).traces_for_spans(spans)
    return list(workload.batches(traces, batch))


def _wchar() -> int:
    """Bytes this process has written through system calls so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def _timed(label: str, count: int, fn: Any, profile: bool, repeat: int = 1) -> Any:
    """Run `fn` `repeat` times; print the least CPU time (the least disturbed run)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        profiler = cProfile.Profile(time.process_time) if profile else None
        start = time.process_time()
        if profiler:
            profiler.enable()
        result = fn()
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(30)
        best = min(best, time.process_time() - start)
    print(f"{label:8s} {best:7.2f} s CPU  {best / count * 1e6:7.1f} µs/span")
    return result


def _worker(body: bytes, masker: Masker | None) -> bytes:
    """One request's work in an OTLP worker: the body in, the pickled shipment out."""
    path, _, _ = _prepare_shipped(PROTOBUF, None, _spill(body), 1 << 30, masker)
    return _take(path)


def _masker() -> Masker:
    rules = tuple(built_in_rule(d.name, d.name, "redact") for d in BUILT_IN)
    return Masker(rules, b"bench-key")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--profile", choices=["worker", "write"], default=None)
    parser.add_argument("--repeat", type=int, default=3, help="report the fastest of N runs")
    parser.add_argument("--masking", action="store_true", help="mask with the built-in rules")
    args = parser.parse_args()
    bodies = _bodies(args.spans, args.batch)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), init_secret_key="sk-th-stages-0001-0123456789abcdefgh")
        upgrade(settings)
        db = open_database(settings)
        bootstrap(db.writer, settings)
        count = sum(n for _, n in bodies)
        masker = _masker() if args.masking else None
        shipped = _timed(
            "worker",
            count,
            lambda: [_worker(b, masker) for b, _ in bodies],
            args.profile == "worker",
            args.repeat,
        )

        def write() -> None:
            pricer = make_pricer([])
            for blob in shipped:
                shipment = pickle.loads(blob)
                with db.writer.begin() as conn:
                    apply_batch(conn, 1, shipment, is_test=False, pricer=pricer, now=0)

        written = _wchar()
        _timed("write", count, write, args.profile == "write")
        print(f"written  {(_wchar() - written) / count:7.0f} B/span (WAL and checkpoints)")
        db.dispose()


if __name__ == "__main__":
    main()
