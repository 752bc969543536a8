"""Memory search over a large project: N entries with 256-dimension vectors (a random model2vec
model built here, so nothing is downloaded), in 1,000 scopes.

Fills a fresh SQLite database (or `--database-url`, emptied first is up to you) straight through
the store, then times through the real app in-process: storing entries (each embedded by the
local model), semantic search over the whole project and over one scope, keyword search, and the
local model's embedding throughput. Prints the median and p95 of --repeat calls.

    .venv/bin/python bench/memory.py --entries 100000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from model2vec import StaticModel
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.clock import now_us
from tracehouse.config import Settings
from tracehouse.embeddings.local import StaticEmbedder
from tracehouse.embeddings.vectors import pack
from tracehouse.memory.service import dedupe_key
from tracehouse.memory.vectors import INDEX
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import embedding_indexes, memories
from tracehouse.store.upsert import insert_many

SECRET = "sk-bench-memory-0000000000000000000000"
WORDS = [f"w{i}" for i in range(5000)]
DIMS = 256


def build_model(folder: Path) -> Path:
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(WORDS)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(1).normal(size=(len(vocab), DIMS)).astype(np.float32)
    StaticModel(vectors, tokenizer, normalize=True).save_pretrained(str(folder))
    return folder


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(12))


def fill(settings: Settings, embedder: StaticEmbedder, entries: int) -> None:
    rng = random.Random(7)
    db = open_database(settings)
    now = now_us()
    with db.writer.begin() as conn:
        conn.execute(
            embedding_indexes.insert().values(
                project_rowid=1, name=INDEX, model=embedder.name, dimensions=DIMS, updated_at=now
            )
        )
    for start in range(0, entries, 5000):
        texts = [sentence(rng) for _ in range(min(5000, entries - start))]
        matrix = asyncio.run(embedder.embed(texts))
        rows = [
            {
                "id": f"m{start + i}",
                "project_rowid": 1,
                "scope": f"user/u{(start + i) % 1000}",
                "dedupe_key": dedupe_key(text, None),
                "key": None,
                "category": None,
                "content": text,
                "metadata": "{}",
                "importance": None,
                "expires_at": None,
                "is_test": False,
                "embedding": pack(vector),
                "created_at": now + start + i,
                "updated_at": now + start + i,
            }
            for i, (text, vector) in enumerate(zip(texts, matrix, strict=True))
        ]
        with db.writer.begin() as conn:
            insert_many(conn, memories, rows)
    db.dispose()


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    await call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


async def run(settings: Settings, repeat: int) -> None:
    app = create_app(settings)
    auth = {"Authorization": f"Bearer {SECRET}"}
    rng = random.Random(9)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def find(**body: Any) -> None:
                response = await client.post("/api/v1/memory/search", json=body, headers=auth)
                assert response.status_code == 200, response.text

            async def store() -> None:
                body = {"content": sentence(rng), "scope": "user/new"}
                response = await client.post("/api/v1/memory", json=body, headers=auth)
                assert response.status_code == 201, response.text

            query = sentence(rng)
            cases = {
                "store one entry (embedded)": store,
                "semantic, whole project": lambda: find(query=query, limit=10),
                "semantic, one scope": lambda: find(query=query, scope="user/u7", limit=10),
                "keyword, whole project": lambda: find(query=query, mode="keyword"),
                "keyword, one scope": lambda: find(query=query, mode="keyword", scope="user/u7"),
            }
            for name, call in cases.items():
                median, p95 = await timed(call, repeat)
                print(f"{name:32} median {median:8.1f} ms   p95 {p95:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    model = build_model(tmp / "model")
    settings = Settings(
        data_dir=tmp / "data",
        database_url=args.database_url,
        init_org_name="Bench",
        init_project_name="bench",
        init_user_email="bench@example.com",
        init_user_password="bench password 1",
        init_public_key="pk-bench-memory",
        init_secret_key=SECRET,
        embedder=f"model2vec:{model}",
        retention_interval_seconds=0,
        rate_limit_enabled=False,
        analytics_refresh_seconds=0,
    )
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    db.dispose()
    embedder = StaticEmbedder.open(str(model))
    texts = [sentence(random.Random(3)) for _ in range(20_000)]
    start = time.perf_counter()
    asyncio.run(embedder.embed(texts))
    rate = len(texts) / (time.perf_counter() - start)
    print(f"model2vec ({DIMS} dims, 12-word texts): {rate:,.0f} texts/s on one thread")
    start = time.perf_counter()
    fill(settings, embedder, args.entries)
    print(f"filled {args.entries:,} entries in {time.perf_counter() - start:.1f} s")
    asyncio.run(run(settings, args.repeat))


if __name__ == "__main__":
    main()
