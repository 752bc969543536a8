"""Write overload: many more concurrent writers than the server can serve, for a short while.

Starts a real `tracehouse serve` (SQLite in a temporary directory, or PostgreSQL with
`--postgres`: a fresh database there, dropped afterwards) and lets C clients post traces of
B observations in a loop for S seconds, over keep-alive connections of a small hand-written
HTTP/1.1 client (200 httpx clients cost this process more CPU than the server, and their
delays end up in the figures), each with a 30 s timeout. A 503 or 429 is answered
by waiting its `Retry-After` (at most 30 s), like the SDK. Reports how long admitted writes
(2xx) waited, p50/p99/max, how fast 503s came back, and how many requests timed out.

    .venv/bin/python bench/overload.py --concurrency 200 --seconds 20 [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.server import start_server

SECRET = "sk-th-bench-secret-overload-0123456789abcdef"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@dataclass
class Tally:
    admitted: list[float] = field(default_factory=list)
    admitted_at: list[float] = field(default_factory=list)
    shed: list[float] = field(default_factory=list)
    limited: int = 0
    timeouts: int = 0
    other: int = 0
    client_lag: list[float] = field(default_factory=list)


def make_body(client: int, n: int, batch: int) -> bytes:
    trace_id = f"overload-{client}-{n}"
    observations = [
        {
            "id": f"{trace_id}-{i}",
            "type": "generation" if i % 2 else "span",
            "name": f"step-{i}",
            "model": "gpt-4o-mini",
            "input": {"content": "q" * 200},
            "output": {"content": "a" * 200},
            "usage": {"inputTokens": 100, "outputTokens": 20},
        }
        for i in range(batch)
    ]
    return orjson.dumps({"id": trace_id, "name": "overload", "observations": observations})


class Connection:
    """One keep-alive HTTP/1.1 connection, written by hand: 200 httpx clients in one process
    would spend more CPU than the server, and their delays would be in the figures."""

    def __init__(self, host: str, port: int, local: str | None = None):
        self.host, self.port = host, port
        self.local = (local, 0) if local else None
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str]]:
        """Send; a kept-alive connection the server has closed meanwhile is opened again."""
        if self.streams is not None:
            try:
                return await self._exchange(path, body)
            except (OSError, asyncio.IncompleteReadError):
                self.close()
        self.streams = await asyncio.open_connection(self.host, self.port, local_addr=self.local)
        return await self._exchange(path, body)

    async def _exchange(self, path: str, body: bytes) -> tuple[int, dict[str, str]]:
        assert self.streams is not None
        reader, writer = self.streams
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {SECRET}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return int(lines[0].split()[1]), headers

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def one(conn: Connection, body: bytes, tally: Tally) -> float:
    """Send one write; the seconds to wait before the next (Retry-After on 503/429)."""
    started = time.perf_counter()
    try:
        status, headers = await asyncio.wait_for(conn.post("/api/v1/traces", body), 30)
    except TimeoutError:
        conn.close()
        tally.timeouts += 1
        return 0.0
    except (OSError, asyncio.IncompleteReadError):
        conn.close()
        tally.other += 1
        return 0.0
    elapsed = time.perf_counter() - started
    if status < 300:
        tally.admitted.append(elapsed)
        tally.admitted_at.append(started)
        return 0.0
    if status == 503:
        tally.shed.append(elapsed)
    elif status == 429:
        tally.limited += 1
    else:
        tally.other += 1
    return min(float(headers.get("retry-after", "1")), 30.0)


async def client(url: str, number: int, batch: int, until: float, tally: Tally) -> None:
    address = httpx.URL(url)
    conn = Connection(address.host, address.port or 80)
    n = 0
    try:
        while time.perf_counter() < until:
            pause = await one(conn, make_body(number, n, batch), tally)
            n += 1
            if pause:
                await asyncio.sleep(pause)
    finally:
        conn.close()


async def watch_lag(until: float, tally: Tally) -> None:
    """How late this client process's own event loop wakes up: its delays are in the figures."""
    while time.perf_counter() < until:
        before = time.perf_counter()
        await asyncio.sleep(0.1)
        tally.client_lag.append(time.perf_counter() - before - 0.1)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def settled(tally: Tally, since: float) -> list[float]:
    """Latencies of the admitted writes sent after `since` (the first burst left out)."""
    pairs = zip(tally.admitted, tally.admitted_at, strict=True)
    return [latency for latency, sent in pairs if sent > since]


async def warm_up(url: str, writes: int, batch: int) -> None:
    """A few writes one after another: the burst meets a server that has served before."""
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        for n in range(writes):
            response = await http.post("/api/v1/traces", content=make_body(-1, n, batch))
            response.raise_for_status()


async def bench(
    url: str, concurrency: int, seconds: float, batch: int, warmup: int
) -> dict[str, object]:
    await warm_up(url, warmup, batch)
    tally = Tally()
    started = time.perf_counter()
    until = started + seconds
    clients = (client(url, c, batch, until, tally) for c in range(concurrency))
    await asyncio.gather(watch_lag(until, tally), *clients)
    elapsed = time.perf_counter() - started
    return {
        "admitted": len(tally.admitted),
        "admitted_per_s": round(len(tally.admitted) / elapsed, 1),
        "admitted_p50_s": round(percentile(tally.admitted, 0.5), 3),
        "admitted_p99_s": round(percentile(tally.admitted, 0.99), 3),
        "admitted_max_s": round(max(tally.admitted, default=float("nan")), 3),
        "admitted_p99_after_5s": round(
            percentile(
                [
                    a
                    for a, t in zip(tally.admitted, tally.admitted_at, strict=True)
                    if t > started + 5
                ],
                0.99,
            ),
            3,
        ),
        "shed_503": len(tally.shed),
        "shed_p99_s": round(percentile(tally.shed, 0.99), 3),
        "shed_mean_s": round(statistics.fmean(tally.shed), 3) if tally.shed else None,
        "limited_429": tally.limited,
        "timeouts_30s": tally.timeouts,
        "other_errors": tally.other,
        "client_lag_p99_s": round(percentile(tally.client_lag, 0.99), 3),
        "elapsed_s": round(elapsed, 1),
    }


def run(args: argparse.Namespace, tmp: Path, database_url: str | None) -> dict[str, object]:
    env = {
        "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-bench",
        "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
        "TRACEHOUSE_INIT_USER_PASSWORD": "bench-password",
        "TRACEHOUSE_LOG_LEVEL": "warning",
        "TRACEHOUSE_RATE_LIMIT_ENABLED": "false",
    }
    if database_url:
        env["TRACEHOUSE_DATABASE_URL"] = database_url
    if args.budget is not None:
        env["TRACEHOUSE_WRITE_WAIT_BUDGET_SECONDS"] = str(args.budget)
    server = start_server(tmp / "data", env=env)
    try:
        return asyncio.run(
            bench(server.url, args.concurrency, args.seconds, args.batch, args.warmup)
        )
    finally:
        server.stop()


def postgres_database(name: str, create: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(
        f"{POSTGRES.replace('postgresql:', 'postgresql+psycopg:')}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if create:
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=20, help="observations per trace")
    parser.add_argument("--budget", type=float, help="TRACEHOUSE_WRITE_WAIT_BUDGET_SECONDS")
    parser.add_argument("--warmup", type=int, default=20, help="writes before the burst")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432")
    args = parser.parse_args()
    name = f"tracehouse_overload_{os.getpid()}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}" if args.postgres else None
    if args.postgres:
        postgres_database(name, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="tracehouse-overload-") as tmp:
            result = run(args, Path(tmp), url)
    finally:
        if args.postgres:
            postgres_database(name, create=False)
    result.update(
        database="postgresql" if args.postgres else "sqlite",
        concurrency=args.concurrency,
        batch=args.batch,
    )
    for key, value in result.items():
        print(f"{key:18} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
