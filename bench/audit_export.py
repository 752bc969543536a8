"""Server time to export 10,000 audit entries as CSV and as JSON (streamed), through the ASGI
app in-process on a fresh SQLite directory (entries appended with `audit.record`).

    .venv/bin/python bench/audit_export.py --entries 10000 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.app import create_app
from tracehouse.audit import service as audit
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

SECRET = "sk-th-bench-" + "x" * 40


def fill(settings: Settings, entries: int) -> None:
    db = open_database(settings)
    with db.writer.begin() as conn:
        for n in range(entries):
            after = {"name": f"project-{n}", "retention_days": n % 90}
            audit.record(conn, "project.update", ("project", f"p{n}"), org_rowid=1, after=after)
    db.dispose()


async def run(entries: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), init_secret_key=SECRET, init_org_name="bench",
            init_user_email="bench@example.com", init_user_password="bench-password",
            retention_interval_seconds=0, rate_limit_enabled=False,
        )  # fmt: skip
        upgrade(settings)
        bootstrap(open_database(settings).writer, settings)
        fill(settings, entries)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                login = await client.post(
                    "/api/v1/auth/login",
                    json={"email": "bench@example.com", "password": "bench-password"},
                )
                auth = {"Authorization": f"Bearer {login.json()['token']}"}
                for fmt in ("csv", "json"):
                    times = []
                    for _ in range(rounds):
                        began = time.perf_counter()
                        response = await client.get(
                            "/api/v1/audit-logs/export",
                            params={"format": fmt, "limit": entries},
                            headers=auth,
                        )
                        times.append((time.perf_counter() - began) * 1000)
                        assert response.status_code == 200, response.text[:200]
                    size = len(response.content) / 1e6
                    median = statistics.median(times)
                    print(f"export {entries:,} as {fmt:<4} median {median:7.1f} ms"
                          f"   max {max(times):7.1f} ms   {size:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.entries, args.rounds))
