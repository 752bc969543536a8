"""Login brute force against a real server: throttling, timing of unknown e-mails, and
ingestion beside a flood of wrong logins.

Starts a real `tracehouse serve` (SQLite, temporary directory), then
1. sends 300 wrong passwords for the admin from one address and counts the answers;
2. times 30 wrong logins for the known admin against 30 for unknown e-mails, alternating, from
   a new loopback address every 8 attempts and with a right login every 4, so that neither
   the account nor the address is ever locked out;
3. measures ingestion (writes/s from 10 writers for 10 s) alone, then while 80 clients, each
   from its own loopback address, send wrong logins (a new e-mail each) as fast as answered.

    .venv/bin/python bench/logins.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.overload import SECRET, Connection, make_body
from tests.server import start_server

EMAIL, PASSWORD = "admin@bench.local", "bench-password-123"


async def login(conn: Connection, email: str, password: str) -> int:
    body = orjson.dumps({"email": email, "password": password})
    status, _ = await conn.post("/api/v1/auth/login", body)
    return status


async def brute_force(host: str, port: int) -> dict[str, int]:
    conn = Connection(host, port)
    answers: dict[str, int] = {}
    for _ in range(300):
        status = await login(conn, EMAIL, "wrong")
        answers[str(status)] = answers.get(str(status), 0) + 1
    conn.close()
    return answers


async def timing(host: str, port: int) -> dict[str, float]:
    """Median ms of a wrong login: the known admin (fewer than its free failures each round,
    cleared by a right login) against unknown e-mails, in turns (which goes first alternates)."""
    known: list[float] = []
    unknown: list[float] = []
    for n in range(30):
        if n % 4 == 0:
            conn = Connection(host, port, local=f"127.0.2.{n + 1}")
            await conn.post("/api/v1/auth/login", b"{}")  # connected before timing (a 422)
        turns = [(known, EMAIL), (unknown, f"nobody-{n}@bench.local")]
        for times, email in turns if n % 2 else reversed(turns):
            started = time.perf_counter()
            await login(conn, email, "wrong")
            times.append(time.perf_counter() - started)
        if n % 4 == 3:
            await login(conn, EMAIL, PASSWORD)
            conn.close()
    return {
        "known_wrong_ms": round(statistics.median(known) * 1000, 1),
        "unknown_ms": round(statistics.median(unknown) * 1000, 1),
    }


async def ingest(
    host: str, port: int, seconds: float, until_flag: list[bool]
) -> tuple[float, dict[str, int]]:
    done = 0
    statuses: dict[str, int] = {}

    async def writer(number: int) -> None:
        nonlocal done
        conn = Connection(host, port)
        n = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            status, headers = await conn.post("/api/v1/traces", make_body(1000 + number, n, 20))
            n += 1
            done += status < 300
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status in (429, 503):
                await asyncio.sleep(float(headers.get("retry-after", "1")))
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(10)))
    until_flag.append(True)
    return round(done / (time.perf_counter() - started), 1), statuses


async def flood(
    host: str, port: int, number: int, stop: list[bool], counts: dict[str, int]
) -> None:
    conn = Connection(host, port, local=f"127.0.1.{number + 1}")
    n = 0
    while not stop:
        status = await login(conn, f"flood-{number}-{n}@bench.local", "wrong")
        counts[str(status)] = counts.get(str(status), 0) + 1
        n += 1
    conn.close()


async def ingestion_beside_logins(host: str, port: int) -> dict[str, object]:
    alone = await ingest(host, port, 10, [])
    stop: list[bool] = []
    counts: dict[str, int] = {}
    floods = [asyncio.create_task(flood(host, port, n, stop, counts)) for n in range(80)]
    beside = await ingest(host, port, 10, stop)
    await asyncio.gather(*floods)
    return {
        "writes_per_s_alone": alone[0],
        "writes_per_s_beside_80_logins": beside[0],
        "write_answers_beside": beside[1],
        "logins": counts,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tracehouse-logins-") as tmp:
        env = {
            "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-bench",
            "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
            "TRACEHOUSE_INIT_USER_EMAIL": EMAIL,
            "TRACEHOUSE_INIT_USER_PASSWORD": PASSWORD,
            "TRACEHOUSE_LOG_LEVEL": "warning",
            "TRACEHOUSE_RATE_LIMIT_ENABLED": "false",
        }
        results: dict[str, object] = {}
        steps = (timing, brute_force, ingestion_beside_logins)
        for step in steps if len(sys.argv) < 2 else [globals()[sys.argv[1]]]:
            server = start_server(Path(tmp) / f"data-{step.__name__}", env=env)
            try:
                results[step.__name__] = asyncio.run(step("127.0.0.1", server.port))
            finally:
                server.stop()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
