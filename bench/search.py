"""Span search at scale: keyword and hybrid query times, indexing and embedding throughput, and
disk per indexed span, on a fresh SQLite directory through the ASGI app in-process.

Builds `--observations` spans (10 a trace: a generation with chat turns, tool calls with
arguments, some failed with an error code) straight into the tables, runs the indexer to the
end (throughput), measures the database growth, then times `POST /api/v1/search` for keyword
queries of three selectivities and for hybrid ones. Embedding throughput is timed for the stub
OpenAI-compatible provider (tests/fake_openai.py over loopback) and for a local model2vec model
(the tests' tiny model: real model2vec code, a small vocabulary); hybrid runs over the chunks
the local model embedded within `--embed-seconds`. `--reuse --keep DIR` times the queries
again over a kept directory, first giving every chunk not embedded yet a random unit vector
(so hybrid ranks all of them).

    .venv/bin/python bench/search.py --observations 1000000 --keep DIR --embed-seconds 5
    .venv/bin/python bench/search.py --reuse --keep DIR --rounds 60
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sqlalchemy import func, insert, select
from tests.embeddings import tiny_model
from tests.fake_openai import fake_openai

from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.embeddings.vectors import normalized, pack
from tracehouse.jobs import search_index
from tracehouse.search import store as search_store
from tracehouse.search import vectors
from tracehouse.store.engine import Database, open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import observations, search_chunks, traces

SECRET = "sk-th-bench-" + "x" * 40
AUTH = {"Authorization": f"Bearer {SECRET}"}
STEPS = 10
COMMON = [
    "the",
    "a",
    "to",
    "of",
    "and",
    "in",
    "is",
    "for",
    "on",
    "with",
    "that",
    "this",
    "it",
    "as",
    "be",
    "are",
    "user",
    "assistant",
    "please",
    "answer",
    "question",
    "order",
    "account",
    "refund",
    "payment",
    "invoice",
    "shipping",
    "delivery",
    "customer",
    "support",
    "weather",
    "forecast",
    "database",
    "query",
    "result",
    "error",
    "timeout",
    "retry",
    "service",
    "request",
    "response",
    "model",
    "tool",
    "search",
    "document",
    "summary",
    "report",
    "price",
    "product",
    "search",
    "agent",
    "plan",
    "step",
    "memory",
    "context",
]
CITIES = [f"city{n}" for n in range(500)]
#: Common words the tests' tiny model2vec model has a vector for.
KNOWN = ["invoice", "customer", "weather", "forecast", "database", "error", "timeout", "report"]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(COMMON, weights=range(len(COMMON), 0, -1), k=n))


def _rows(
    trace_no: int, rng: random.Random, now: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    trace_id = f"t{trace_no}"
    start = now - trace_no * 1_000_000
    common = {"project_rowid": 1, "created_at": now, "updated_at": now + trace_no}
    trace = {"id": trace_id, "name": f"agent run {trace_no % 50}", "start_time": start,
             "input": orjson.dumps(_words(rng, 30)).decode(), **common}  # fmt: skip
    steps = []
    for i in range(STEPS):
        kind = ("generation", "tool", "span")[i % 3]
        step = {"id": f"{trace_id}-{i}", "trace_id": trace_id, "type": kind, "start_time": start + i,
                "name": f"step {kind} {i}", "level": "DEFAULT", **common}  # fmt: skip
        if kind == "generation":
            chat = [{"role": "user", "content": _words(rng, 60)},
                    {"role": "assistant", "content": _words(rng, 80)}]  # fmt: skip
            step["input"], step["model"] = orjson.dumps(chat).decode(), "gpt-4o"
            step["output"] = orjson.dumps(
                {"role": "assistant", "content": _words(rng, 40)}
            ).decode()
        elif kind == "tool":
            args = {"city": rng.choice(CITIES), "query": _words(rng, 6)}
            step["name"], step["input"] = "get_weather", orjson.dumps(args).decode()
        elif rng.random() < 0.02:
            step["level"] = "ERROR"
            step["status_message"] = (
                f"upstream refused the connection: code E{rng.randrange(100_000)}"
            )
        steps.append(step)
    return trace, steps


def build(db: Database, count: int) -> None:
    rng, now = random.Random(7), 1_790_000_000_000_000
    batch_traces, batch_steps = [], []
    for trace_no in range(count // STEPS):
        trace, steps = _rows(trace_no, rng, now)
        batch_traces.append(trace)
        batch_steps.extend(steps)
        if len(batch_traces) >= 2000:
            _insert(db, batch_traces, batch_steps)
            batch_traces, batch_steps = [], []
    _insert(db, batch_traces, batch_steps)


def _insert(
    db: Database, trace_rows: list[dict[str, Any]], step_rows: list[dict[str, Any]]
) -> None:
    if not trace_rows:
        return
    columns = set().union(*(r.keys() for r in step_rows))
    step_rows = [{c: r.get(c) for c in columns} for r in step_rows]
    with db.writer.begin() as conn:
        conn.execute(insert(traces), trace_rows)
        conn.execute(insert(observations), step_rows)


def disk(data: Path) -> int:
    return sum(p.stat().st_size for p in data.glob("*.db*"))


def checkpoint(db: Database) -> None:
    with db.writer.connect() as conn:  # outside a transaction, on the driver's connection
        conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def timed(
    client: httpx.AsyncClient, label: str, queries: Iterator[dict[str, Any]], rounds: int
) -> None:
    times, cpu, hits = [], [], []
    for _ in range(rounds):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = await client.post("/api/v1/search", json=next(queries), headers=AUTH)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, response.text[:300]
        hits.append(len(response.json()["data"]))
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    cpu.sort()
    cpu95 = cpu[max(0, int(len(cpu) * 0.95) - 1)]
    print(f"{label:<36} wall median {statistics.median(times):6.1f} ms p95 {p95:6.1f} ms; "
          f"CPU median {statistics.median(cpu):6.1f} ms p95 {cpu95:6.1f} ms; "
          f"hits/query {statistics.mean(hits):.1f}", flush=True)  # fmt: skip


def kinds(rng: random.Random, mode: str) -> dict[str, Iterator[dict[str, Any]]]:
    def forever(make: Any) -> Iterator[dict[str, Any]]:
        while True:
            yield {"query": make(), "mode": mode}

    return {
        "rare (an error code)": forever(lambda: f"E{rng.randrange(100_000)}"),
        "selective (a tool argument)": forever(lambda: rng.choice(CITIES)),
        "two common words": forever(lambda: " ".join(rng.sample(COMMON[20:60], 2))),
        # The tiny local model knows few of the words above (a query of none embeds as zeros:
        # no semantic half); this kind always ranks every vector.
        "model's word + common word": forever(
            lambda: f"{rng.choice(KNOWN)} {rng.choice(COMMON[20:60])}"
        ),
    }


def fill_vectors(db: Database, dims: int) -> int:
    """Give every chunk not embedded yet a random unit vector (so hybrid ranks all of them),
    and move the embedding cursor past them."""
    rng, filled, c = np.random.default_rng(5), 0, search_chunks.c
    with db.reader.connect() as conn:
        pending = conn.execute(select(c.chunk_rowid).where(c.embedding.is_(None))).scalars().all()
    for start in range(0, len(pending), 20_000):
        part = pending[start : start + 20_000]
        matrix = normalized(rng.normal(size=(len(part), dims)).astype(np.float32))
        with db.writer.begin() as conn:
            search_store.set_embeddings(
                conn, [(r, pack(v)) for r, v in zip(part, matrix, strict=True)]
            )
        filled += len(part)
    with db.writer.begin() as conn:
        top = conn.execute(select(func.max(c.chunk_rowid))).scalar_one()
        search_store.set_state(conn, vectors.cursor_name(1), search_store.State(rowid=int(top)))
    return filled


async def embed_for(rt: Any, seconds: float) -> tuple[int, float]:
    began, total = time.perf_counter(), 0
    while time.perf_counter() - began < seconds:
        count = await vectors.embed_all(rt)
        if not count:
            break
        total += count
    return total, time.perf_counter() - began


async def run(args: argparse.Namespace, data: Path) -> None:
    settings = Settings(data_dir=data, init_secret_key=SECRET, init_public_key="pk-th-bench",
                        init_user_password="bench-password", retention_interval_seconds=0,
                        analytics_refresh_seconds=0, search_index_interval_seconds=0)  # fmt: skip
    upgrade(settings)
    if args.reuse:
        await queries(settings, args)
        return
    db = open_database(settings)
    bootstrap(db.writer, settings)
    began = time.perf_counter()
    build(db, args.observations)
    checkpoint(db)
    print(f"built {args.observations:,} observations in {time.perf_counter() - began:.0f} s; "
          f"database {disk(data) / 1e6:.0f} MB", flush=True)  # fmt: skip
    before = disk(data)
    began, began_cpu = time.perf_counter(), time.process_time()
    read = search_index.catch_up(db, settle_us=0)
    spent, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    with db.reader.connect() as conn:
        chunks = conn.execute(select(func.count()).select_from(search_chunks)).scalar_one()
    checkpoint(db)
    indexed = args.observations + read
    print(f"indexed {read:,} traces, {args.observations:,} spans, {chunks:,} chunks in {spent:.0f} s: "
          f"{args.observations / spent:,.0f} spans/s ({args.observations / cpu:,.0f} per CPU second); disk +{(disk(data) - before) / 1e6:.0f} MB, "
          f"{(disk(data) - before) / indexed:.0f} bytes per indexed span or trace", flush=True)  # fmt: skip
    db.dispose()
    await serve(settings, args)


async def serve(settings: Settings, args: argparse.Namespace) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            rng = random.Random(11)
            for label, queries in kinds(rng, "keyword").items():
                await timed(client, f"keyword: {label}", queries, args.rounds)
            rt = app.state.runtime
            with fake_openai() as url:
                cred = {"name": "stub", "api_key": "sk-stub-0001", "base_url": url}
                assert (
                    await client.post("/api/v1/providers", json=cred, headers=AUTH)
                ).status_code == 201
                choice = {"kind": "provider", "credential": "stub", "model": "stub-embed"}
                assert (
                    await client.put("/api/v1/embedder", json=choice, headers=AUTH)
                ).status_code == 200
                done, spent = await embed_for(rt, min(30.0, args.embed_seconds))
                print(f"embedding, stub provider over loopback: {done:,} chunks in {spent:.0f} s = "
                      f"{done / spent:,.0f} chunks/s", flush=True)  # fmt: skip
            tiny_model.build(settings.resolved_models_dir / "tiny")
            choice = {"kind": "model2vec", "model": "tiny"}
            assert (
                await client.put("/api/v1/embedder", json=choice, headers=AUTH)
            ).status_code == 200
            done, spent = await embed_for(rt, args.embed_seconds)
            print(f"embedding, local model2vec: {done:,} chunks in {spent:.0f} s = "
                  f"{done / spent:,.0f} chunks/s", flush=True)  # fmt: skip
            began = time.perf_counter()
            await client.post(
                "/api/v1/search", json={"query": "warm", "mode": "semantic"}, headers=AUTH
            )
            print(
                f"first semantic query (loads the vectors): {time.perf_counter() - began:.1f} s",
                flush=True,
            )
            for label, queries in kinds(rng, "hybrid").items():
                await timed(client, f"hybrid: {label}", queries, args.rounds)


async def queries(settings: Settings, args: argparse.Namespace) -> None:
    """Time keyword and hybrid queries only, over a directory a full run kept (`--keep`)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            rng = random.Random(13)
            filled = fill_vectors(app.state.runtime.db, 32)
            print(f"filled {filled:,} chunks' vectors with random unit vectors", flush=True)
            began = time.perf_counter()
            await client.post(
                "/api/v1/search", json={"query": "warm", "mode": "semantic"}, headers=AUTH
            )
            print(
                f"first semantic query (loads the vectors): {time.perf_counter() - began:.1f} s",
                flush=True,
            )
            for mode in ("keyword", "hybrid"):
                for label, queries in kinds(rng, mode).items():
                    await timed(client, f"{mode}: {label}", queries, args.rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--embed-seconds", type=float, default=600.0)
    parser.add_argument("--keep", type=Path, default=None, help="data directory to use and keep")
    parser.add_argument(
        "--reuse", action="store_true", help="only time queries over the --keep directory"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracehouse-search-bench-") as tmp:
        data = args.keep or Path(tmp) / "data"
        asyncio.run(run(args, data))
        if args.keep is None:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
