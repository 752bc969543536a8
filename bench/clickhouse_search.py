"""Span search on ClickHouse (chDB): keyword and semantic queries over generated chunks.

Generates `--chunks` chunks of one project inside ClickHouse (`INSERT … SELECT` from
`numbers()`: 60 words each from a 2,000-word vocabulary, word `w0` in every chunk, `w1` in
about half, `w1999` in few) and a 64-dimension vector per chunk, then times the store's own
queries (`store/clickhouse/search.py`): keyword hits for a common, a mid and a rare word and
for two words (BM25 with IDF), and the nearest 50 vectors (exact `cosineDistance`).

    .venv/bin/python bench/clickhouse_search.py --chunks 1000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tracehouse.search.schemas import SearchRequest
from tracehouse.store.clickhouse import client, search
from tracehouse.store.clickhouse.search_schema import CHUNKS, VECTORS
from tracehouse.store.clickhouse.url import parse

PROJECT = 1
DIMS = 64


def generate(ch: client.ClickHouse, chunks: int) -> None:
    """The chunks and their vectors, written inside ClickHouse."""
    words = "arrayStringConcat(arrayMap(i -> concat('w', toString(if(i = 0, 0, if(i = 1 AND " \
        "number % 2 = 0, 1, cityHash64(number, i) % 2000)))), range(60)), ' ')"  # fmt: skip
    ch.command(
        f"INSERT INTO {ch.layout.table(CHUNKS)} SELECT toInt64(cityHash64(number)), {PROJECT}, "
        f"toInt64(intDiv(number, 4)), toString(intDiv(number, 4)), toString(number % 4), 0, "
        f"'span', NULL, {words}, false, toInt64(number), toInt64(1765000000000000) "
        f"FROM numbers({chunks})"
    )
    ch.command(
        f"INSERT INTO {ch.layout.table(VECTORS)} SELECT toInt64(cityHash64(number)), {PROJECT}, "
        f"toInt64(intDiv(number, 4)), toString(number % 4), "
        f"arrayMap(i -> toFloat32(cityHash64(number, i) % 1000 / 1000.0 - 0.5), range({DIMS})), "
        f"toInt64(1765000000000000) FROM numbers({chunks})"
    )
    ch.command(f"OPTIMIZE TABLE {ch.layout.table(CHUNKS)} FINAL")


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and worst wall time (ms) of `repeat` calls after one warm-up."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ch = client.open_clickhouse(parse(f"chdb://{folder}"), None, async_insert=False)
        start = time.perf_counter()
        generate(ch, args.chunks)
        print(f"generated {args.chunks:,} chunks in {time.perf_counter() - start:.1f} s")
        request = SearchRequest(query="x")
        cases: dict[str, Callable[[], Any]] = {
            f"keyword {word}": (
                lambda w=word: search.keyword_hits(ch, None, PROJECT, w, request, 50)
            )  # type: ignore[arg-type,misc]
            for word in (["w0"], ["w1"], ["w1999"], ["w1", "w1999"])
        }
        query = [0.1] * DIMS
        cases["SELECT 1 (overhead)"] = lambda: ch.value("SELECT 1")
        cases["nearest 50"] = lambda: search.nearest(ch, PROJECT, query, 50)
        for name, call in cases.items():
            median, worst = timed(call, args.repeat)
            print(f"{name:<24} median {median:7.1f} ms   worst {worst:7.1f} ms")
        ch.close()


if __name__ == "__main__":
    main()
