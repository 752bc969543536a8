"""Retention on ClickHouse drops a month partition whose every row is past its retention
(traces with their model calls and search rows, observations, scores), counted out of the
roll-ups first; a partition holding one row still kept is left to the row-by-row purge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.conftest import Harness, make_settings, start

from tracehouse.jobs import retention
from tracehouse.store.clickhouse import write
from tracehouse.store.clickhouse.client import ClickHouse
from tracehouse.store.tables import projects

pytestmark = pytest.mark.anyio

#: 2020-01-15 (µs): the first write of the "old" rows, so they land in partition 202001.
WRITTEN = 1_579_046_400_000_000
JANUARY = {"from": "2020-01-01T00:00:00Z", "to": "2020-01-31T00:00:00Z"}


@pytest.fixture
async def ch(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    async for th in start(make_settings("clickhouse", tmp_path, request)):
        yield th


def _store(th: Harness) -> ClickHouse:
    store = th.app.state.runtime.db.clickhouse
    assert store is not None
    return store


async def _post(th: Harness, path: str, body: dict[str, Any], mp: pytest.MonkeyPatch) -> None:
    """Post as if in January 2020: the rows' first write then (their partition 202001)."""
    real = write.ClickHouseRows.write
    with mp.context() as patched:
        patched.setattr(
            write.ClickHouseRows,
            "write",
            lambda self, table, rows, is_test, now: real(self, table, rows, is_test, WRITTEN),
        )
        response = await th.client.post(path, json=body, headers=th.auth)
    assert response.status_code in (200, 201), response.text


def _old_trace(trace_id: str, at: str = "2020-01-15T10:00:00Z") -> dict[str, Any]:
    return {
        "id": trace_id,
        "timestamp": at,
        "observations": [
            {"id": f"{trace_id}-llm", "type": "generation", "start_time": at, "model": "gpt-4o"}
        ],
    }


def _parts(th: Harness, table: str) -> set[str]:
    found = _store(th).rows(
        "SELECT DISTINCT partition_id AS p FROM system.parts WHERE active "
        "AND database = {db:String} AND table = {t:String}",
        {"db": _store(th).layout.database, "t": table},
    )
    return {row["p"] for row in found}


async def _january_traces(th: Harness) -> int:
    body = (await th.client.get("/api/v1/analytics", params=JANUARY, headers=th.auth)).json()
    return int(body["summary"]["total_traces"])


def _purge(th: Harness) -> retention.Purged:
    db = th.app.state.runtime.db
    with db.writer.begin() as conn:
        conn.execute(update(projects).values(retention_days=30))
    return retention.purge(db.writer, test_data_days=5)


async def test_a_month_past_retention_is_dropped_whole(
    ch: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _post(ch, "/api/v1/traces", _old_trace("old"), monkeypatch)
    score = {"traceId": "old", "name": "quality", "value": 0.5, "timestamp": "2020-01-15T11:00:00Z"}
    await _post(ch, "/api/v1/scores", score, monkeypatch)
    fresh = {"id": "fresh", "observations": [{"id": "fresh-1"}]}
    assert (await ch.client.post("/api/v1/traces", json=fresh, headers=ch.auth)).status_code == 201
    for table in ("traces", "observations", "scores", "trace_model_calls"):
        assert "202001" in _parts(ch, table), table
    assert await _january_traces(ch) == 1

    purged = _purge(ch)

    assert (purged.traces, purged.observations, purged.scores) == (1, 1, 1)
    for table in ("traces", "observations", "scores", "trace_model_calls"):
        assert "202001" not in _parts(ch, table), table  # dropped, not waiting for a merge
    assert await _january_traces(ch) == 0  # counted out of the roll-ups
    assert (await ch.client.get("/api/v1/traces/old", headers=ch.auth)).status_code == 404
    assert (await ch.client.get("/api/v1/traces/fresh", headers=ch.auth)).status_code == 200
    assert _purge(ch).traces == 0  # nothing left to drop or delete


async def test_a_month_with_a_row_still_kept_is_purged_row_by_row(
    ch: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _post(ch, "/api/v1/traces", _old_trace("old"), monkeypatch)
    # first written in January 2020 too, but it starts in the future: within the retention
    await _post(ch, "/api/v1/traces", _old_trace("kept", "2099-01-01T00:00:00Z"), monkeypatch)

    purged = _purge(ch)

    assert (purged.traces, purged.observations) == (1, 1)
    assert "202001" in _parts(ch, "traces")
    assert (await ch.client.get("/api/v1/traces/old", headers=ch.auth)).status_code == 404
    assert (await ch.client.get("/api/v1/traces/kept", headers=ch.auth)).status_code == 200
