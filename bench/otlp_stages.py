"""Where OTLP ingestion spends its CPU: decode, map, and write, timed in-process per stage.

Uses the shared yardstick's seeded workload (`../shared/bench/workload.py`) and a fresh SQLite
database, without HTTP, so each stage's cost per span can be compared between changes.

    .venv/bin/python bench/otlp_stages.py --spans 20000 [--profile write]
"""

from __future__ import annotations

import argparse
import cProfile
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
from tracehouse.conventions import map_spans  # noqa: E402
from tracehouse.ingest.pipeline import apply_batch, make_pricer  # noqa: E402
from tracehouse.otlp.decode import spans_from_protobuf  # noqa: E402
from tracehouse.store.engine import open_database  # noqa: E402
from tracehouse.store.migrate import upgrade  # noqa: E402


def _bodies(spans: int, batch: int) -> list[bytes]:
    import workload  # the yardstick's generator

    traces = workload.Workload(seed=42).traces_for_spans(spans)
    return [body for body, _ in workload.batches(traces, batch)]


def _timed(label: str, count: int, fn: Any, profile: bool) -> Any:
    profiler = cProfile.Profile(time.process_time) if profile else None
    start = time.process_time()
    if profiler:
        profiler.enable()
    result = fn()
    if profiler:
        profiler.disable()
    elapsed = time.process_time() - start
    print(f"{label:8s} {elapsed:7.2f} s CPU  {elapsed / count * 1e6:7.1f} µs/span")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--profile", choices=["decode", "map", "write"], default=None)
    args = parser.parse_args()
    bodies = _bodies(args.spans, args.batch)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), init_secret_key="sk-th-stages-0001")
        upgrade(settings)
        db = open_database(settings)
        bootstrap(db.writer, settings)
        decoded = _timed(
            "decode",
            args.spans,
            lambda: [spans_from_protobuf(b).items for b in bodies],
            args.profile == "decode",
        )
        count = sum(len(d) for d in decoded)
        batches = _timed(
            "map", count, lambda: [map_spans(d) for d in decoded], args.profile == "map"
        )

        def write() -> None:
            pricer = make_pricer([])
            for batch in batches:
                with db.writer.begin() as conn:
                    apply_batch(conn, 1, batch, is_test=False, pricer=pricer, now=0)

        _timed("write", count, write, args.profile == "write")
        db.dispose()


if __name__ == "__main__":
    main()
