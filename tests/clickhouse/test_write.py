"""The write path into ClickHouse: shuffled partial updates end as on SQLite; a 2xx batch is
readable at once; a retried insert or request stores no second row."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.conftest import Harness, make_settings, start

from tracehouse.jobs import retention
from tracehouse.store.clickhouse import client, schema
from tracehouse.store.clickhouse.url import parse
from tracehouse.store.engine import open_database
from tracehouse.store.tables import projects

pytestmark = pytest.mark.anyio

_VOLATILE = {"created_at", "updated_at"}


def _updates(seed: int) -> list[tuple[str, dict[str, Any]]]:
    """Partial trace and observation updates of three traces, in a shuffled order (each
    names its time: a default time would be the moment it is written)."""
    rnd = random.Random(seed)
    out: list[tuple[str, dict[str, Any]]] = []
    for t in range(3):
        trace = f"t{t}"
        out += [
            ("/api/v1/traces", {"id": trace, "name": f"run-{t}", "tags": ["a"]}),
            ("/api/v1/traces", {"id": trace, "metadata": {"k": t}, "tags": ["b"]}),
            ("/api/v1/traces", {"id": trace, "userId": f"u{t}", "metadata": {"j": 1}}),
        ]
        for _, body in out[-3:]:
            body["timestamp"] = "2026-11-01T10:00:00Z"
        for o in range(4):
            oid = f"{trace}-o{o}"
            parent = f"{trace}-o{rnd.randrange(o)}" if o else None
            second = 10 + o
            start = f"2026-11-01T10:00:{second:02d}Z"
            out += [
                (
                    "/api/v1/observations",
                    {"id": oid, "traceId": trace, "parentId": parent, "name": f"step{o}",
                     "startTime": start, "metadata": {"a": o}},
                ),
                (
                    "/api/v1/observations",
                    {"id": oid, "traceId": trace, "model": "gpt-4o", "type": "generation",
                     "startTime": start, "usage": {"inputTokens": 100 * o + t, "outputTokens": 10},
                     "metadata": {"b": o}},
                ),
                (
                    "/api/v1/observations",
                    {"id": oid, "traceId": trace, "startTime": start,
                     "endTime": f"2026-11-01T10:00:{second + 5}Z",
                     "output": {"o": o}, "level": rnd.choice(["DEFAULT", "WARNING", "ERROR"])},
                ),
            ]  # fmt: skip
    rnd.shuffle(out)
    return out


def _stable(value: Any) -> Any:
    """The API answer without write times, observations and tree children in id order."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list) and value and isinstance(value[0], dict) and "id" in value[0]:
        return sorted((_stable(v) for v in value), key=lambda v: v["id"])
    return value


async def _replay(th: Harness, updates: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    for path, body in updates:
        response = await th.client.post(path, json=body, headers=th.auth)
        assert response.status_code == 201, response.text
    answers = []
    for t in range(3):
        response = await th.client.get(f"/api/v1/traces/t{t}", headers=th.auth)
        answers.append(_stable(response.json()))
    listing = await th.client.get("/api/v1/traces?sort=tokens&order=asc", headers=th.auth)
    answers.append([item["id"] for item in listing.json()["data"]])
    return answers


@pytest.mark.parametrize("seed", [1, 2])
async def test_shuffled_partial_updates_merge_as_on_sqlite(
    seed: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    updates = _updates(seed)
    answers = {}
    for kind in ("sqlite", "clickhouse"):
        async for th in start(make_settings(kind, tmp_path / kind, request)):
            answers[kind] = await _replay(th, updates)
    assert answers["clickhouse"] == answers["sqlite"]
    assert answers["sqlite"][0]["observation_count"] == 4


@pytest.fixture
async def ch(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    async for th in start(make_settings("clickhouse", tmp_path, request)):
        yield th


def _physical(th: Harness, table: str) -> int:
    """Rows stored in a ClickHouse table, every version counted (a client of its own)."""
    url = th.settings.clickhouse_url
    assert url is not None
    store = client.open_clickhouse(parse(url), None, async_insert=False)
    try:
        return int(store.value(f"SELECT count() FROM {store.layout.table(table)}"))
    finally:
        store.close()


async def test_an_acknowledged_batch_is_stored_at_once(ch: Harness) -> None:
    body = {"id": "durable", "name": "d", "observations": [{"id": "d1", "name": "step"}]}
    assert (await ch.client.post("/api/v1/traces", json=body, headers=ch.auth)).status_code == 201
    assert _physical(ch, "traces") == 1
    assert _physical(ch, "observations") == 1
    trace = (await ch.client.get("/api/v1/traces/durable", headers=ch.auth)).json()
    assert [o["id"] for o in trace["observations"]] == ["d1"]


async def test_the_same_batch_twice_stores_one_row(ch: Harness) -> None:
    body = {"id": "again", "name": "a", "observations": [{"id": "a1", "model": "gpt-4o"}]}
    for _ in range(2):
        response = await ch.client.post("/api/v1/traces", json=body, headers=ch.auth)
        assert response.status_code == 201
    assert (_physical(ch, "traces"), _physical(ch, "observations")) == (1, 1)
    assert _physical(ch, "trace_model_calls") == 1


def test_a_retried_insert_is_deduplicated_by_its_token(clickhouse_url: str) -> None:
    # the session's chDB directory (one per process), a database of this test's own
    target = parse(f"{clickhouse_url}?database=dedupe")
    store = client.open_clickhouse(target, None, async_insert=False)
    row = {
        "score_rowid": 1, "project_rowid": 1, "id": "s", "name": "q", "data_type": "NUMERIC",
        "value": 1.0, "source": "api", "timestamp": 1, "is_test": False,
        "created_at": 1_800_000_000_000_000, "updated_at": 1, schema.VERSION: 1,
    }  # fmt: skip
    try:
        store.insert("scores", [row])
        store.insert("scores", [row])  # the same block: a retry after a lost answer
        assert store.value("SELECT count() FROM `dedupe`.`scores`") == 1
        store.insert("scores", [{**row, schema.VERSION: 2}])
        assert store.value("SELECT count() FROM `dedupe`.`scores`") == 2
    finally:
        store.command("DROP DATABASE `dedupe`")
        store.close()


async def test_retention_purges_old_traces_from_clickhouse(ch: Harness) -> None:
    old = {"id": "old", "timestamp": "2020-01-01T00:00:00Z", "observations": [{"id": "o1"}]}
    new = {"id": "new", "observations": [{"id": "n1"}]}
    for body in (old, new):
        response = await ch.client.post("/api/v1/traces", json=body, headers=ch.auth)
        assert response.status_code == 201
    db = open_database(ch.settings)
    try:
        with db.writer.begin() as conn:
            conn.execute(update(projects).values(retention_days=30))
        purged = retention.purge(db.writer, test_data_days=5)
    finally:
        db.dispose()
    assert (purged.traces, purged.observations) == (1, 1)
    assert (await ch.client.get("/api/v1/traces/old", headers=ch.auth)).status_code == 404
    assert (await ch.client.get("/api/v1/traces/new", headers=ch.auth)).status_code == 200
