"""`tracehouse clickhouse copy|verify`: an existing SQLite or PostgreSQL deployment's traces,
observations, scores and model calls moved into ClickHouse (chDB), row for row; resumable
after an interruption, idempotent when run again, verified per project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.cli.conftest import agent_trace, tracehouse, unique
from tests.conftest import Harness, _truncate_clickhouse

from tracehouse.store.clickhouse import client as ch_client
from tracehouse.store.clickhouse.copy import cursor_name
from tracehouse.store.clickhouse.schema import SPECS, VERSION, latest
from tracehouse.store.clickhouse.url import parse
from tracehouse.store.engine import open_database
from tracehouse.store.tables import server_settings

pytestmark = pytest.mark.anyio

ROWIDS = {"traces": "trace_rowid", "observations": "observation_rowid", "scores": "score_rowid"}


def env_of(th: Harness, chdb: Path) -> dict[str, str]:
    """The variables a deployment's operator sets: the relational database and ClickHouse."""
    env = {"TRACEHOUSE_CLICKHOUSE_URL": f"chdb://{chdb}"}
    if th.settings.database_url:
        return {**env, "TRACEHOUSE_DATABASE_URL": th.settings.database_url}
    return {**env, "TRACEHOUSE_DATA_DIR": str(th.settings.data_dir)}


@pytest.fixture
def chdb(clickhouse_url: str) -> Path:
    """This test process's chDB directory (one process owns one), its tables emptied."""
    _truncate_clickhouse(clickhouse_url)
    return Path(clickhouse_url.removeprefix("chdb://"))


async def write_deployment(th: Harness, traces: int = 6) -> list[str]:
    """Traces with observations and model calls in two projects, and scores; their ids."""
    _, other = await th.new_project(unique("other"))
    ids = []
    for i in range(traces):
        trace_id = unique("tr")
        ids.append(trace_id)
        auth = th.auth if i % 3 else other
        response = await th.client.post(
            "/api/v1/traces", json=agent_trace(trace_id, f"user-{i}"), headers=auth
        )
        assert response.status_code == 201, response.text
        score = {"traceId": trace_id, "name": "helpful", "value": i % 2, "dataType": "BOOLEAN"}
        response = await th.client.post("/api/v1/scores", json=[score], headers=auth)
        assert response.status_code in (200, 201), response.text
    return ids


def relational_rows(th: Harness, table: str) -> list[dict[str, Any]]:
    """Every row of a relational table, without its row id (ClickHouse has its own)."""
    from tracehouse.store import tables

    db = open_database(th.settings)
    try:
        with db.reader.connect() as conn:
            rows = conn.execute(select(getattr(tables, table))).mappings().all()
    finally:
        db.dispose()
    return sorted(
        ({k: v for k, v in row.items() if k != ROWIDS[table]} for row in rows),
        key=lambda r: r["id"],
    )


@pytest.fixture
def clickhouse_reader(chdb: Path) -> Iterator[Any]:
    """A function reading ClickHouse's tables (opened only when called: one process owns a
    chDB directory, and the command under test opens it too)."""
    opened: list[Any] = []

    def read(sql_of: Any) -> list[dict[str, Any]]:
        if not opened:
            opened.append(
                ch_client.open_clickhouse(parse(f"chdb://{chdb}"), None, async_insert=False)
            )
        return opened[0].rows(sql_of(opened[0].layout))

    yield read
    for store in opened:
        store.close()


def clickhouse_rows(read: Any, table: str) -> list[dict[str, Any]]:
    """The latest version of every row, without row id and version."""
    rows = read(lambda layout: latest(layout, table, "1"))
    drop = {ROWIDS[table], VERSION}
    return sorted(
        ({k: v for k, v in r.items() if k not in drop} for r in rows), key=lambda r: r["id"]
    )


def raw_count(read: Any, table: str) -> int:
    """Rows stored, every version counted (a batch stored twice would show here)."""
    return int(read(lambda layout: f"SELECT count() AS n FROM {layout.table(table)}")[0]["n"])


async def test_copy_moves_every_row_and_verifies_the_counts(
    th: Harness, chdb: Path, clickhouse_reader: Any
) -> None:
    await write_deployment(th)
    done = tracehouse("clickhouse", "copy", "--batch-size", "4", env=env_of(th, chdb))
    assert done.exit_code == 0, done.output
    assert "verified: ClickHouse has every row" in done.stdout
    assert "missing" not in done.stdout
    for table in ROWIDS:
        assert clickhouse_rows(clickhouse_reader, table) == relational_rows(th, table), table
    calls = clickhouse_reader(lambda layout: latest(layout, "trace_model_calls", "1"))
    assert {(c["model"], c["calls"], c["input_tokens"]) for c in calls} == {("gpt-4o", 1, 1000)}
    assert len(calls) == 6


async def test_an_interrupted_copy_resumes_where_it_stopped_without_duplicates(
    th: Harness, chdb: Path, clickhouse_reader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await write_deployment(th)
    inserts: list[str] = []
    real_insert = ch_client.ClickHouse.insert

    def insert_then_stop(self: Any, name: str, rows: Any) -> None:
        real_insert(self, name, rows)
        inserts.append(name)
        # killed after ClickHouse took the third observation batch, before the cursor moved
        if inserts.count("observations") == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(ch_client.ClickHouse, "insert", insert_then_stop)
    stopped = tracehouse("clickhouse", "copy", "--batch-size", "2", env=env_of(th, chdb))
    assert stopped.exit_code == 130, stopped.output
    assert "interrupted: run the command again to continue" in stopped.stderr
    assert _cursor(th, "observations") > 0 and _cursor(th, "scores") == 0

    monkeypatch.setattr(ch_client.ClickHouse, "insert", real_insert)
    resumed = tracehouse("clickhouse", "copy", "--batch-size", "2", env=env_of(th, chdb))
    assert resumed.exit_code == 0, resumed.output
    for table in ROWIDS:
        assert clickhouse_rows(clickhouse_reader, table) == relational_rows(th, table), table
        # the batch taken twice (before and after the interruption) is stored once
        assert raw_count(clickhouse_reader, table) == len(relational_rows(th, table)), table


async def test_running_it_again_or_from_the_start_stores_nothing_twice(
    th: Harness, chdb: Path, clickhouse_reader: Any
) -> None:
    await write_deployment(th, traces=3)
    for args in ((), (), ("--restart",)):
        done = tracehouse("clickhouse", "copy", "-q", *args, env=env_of(th, chdb))
        assert done.exit_code == 0, done.output
    for table in ROWIDS:
        assert raw_count(clickhouse_reader, table) == len(relational_rows(th, table)), table


async def test_verify_names_what_clickhouse_lacks_per_project(th: Harness, chdb: Path) -> None:
    await write_deployment(th, traces=3)
    before = tracehouse("clickhouse", "verify", env=env_of(th, chdb))
    assert before.exit_code == 1
    assert "ClickHouse lacks rows" in before.stderr
    assert "missing" in before.stdout and "observations" in before.stdout
    tracehouse("clickhouse", "copy", "-q", env=env_of(th, chdb))
    after = tracehouse("clickhouse", "verify", env=env_of(th, chdb))
    assert after.exit_code == 0, after.output
    assert after.stdout.count(" ok ") >= 8  # 4 tables x 2 projects


def test_copy_needs_clickhouse_and_an_existing_database(tmp_path: Path) -> None:
    no_target = tracehouse("clickhouse", "copy", "--data-dir", str(tmp_path))
    assert no_target.exit_code == 2 and "--clickhouse-url" in no_target.stderr
    url = f"chdb://{tmp_path / 'ch'}"
    no_db = tracehouse("clickhouse", "copy", "--data-dir", str(tmp_path), "--clickhouse-url", url)
    assert no_db.exit_code == 1 and "no Tracehouse database" in no_db.stderr
    bad = tracehouse(
        "clickhouse", "copy", "--data-dir", str(tmp_path), "--clickhouse-url", "ftp://x"
    )
    assert bad.exit_code == 2 and "TRACEHOUSE_CLICKHOUSE_URL" in bad.stderr
    assert "Traceback" not in no_db.output + bad.output


def _cursor(th: Harness, table: str) -> int:
    import json

    db = open_database(th.settings.model_copy(update={"clickhouse_url": None}))
    try:
        with db.reader.connect() as conn:
            query = select(server_settings.c.value).where(
                server_settings.c.name == cursor_name(table)
            )
            value = conn.execute(query).scalar()
    finally:
        db.dispose()
    return 0 if value is None else int(json.loads(value)["after"])


def test_the_tables_copied_are_the_tables_clickhouse_holds() -> None:
    assert set(SPECS) == {*ROWIDS, "trace_model_calls"}


def test_logs_config_prints_the_system_log_settings_we_ship() -> None:
    from xml.etree import ElementTree

    done = tracehouse("clickhouse", "logs-config")
    assert done.exit_code == 0, done.output
    root = ElementTree.fromstring(done.stdout)
    assert root.tag == "clickhouse"
    assert root.find("trace_log").get("remove") == "1"  # type: ignore[union-attr]
    assert "INTERVAL 3 DAY" in root.findtext("query_log/ttl", "")
