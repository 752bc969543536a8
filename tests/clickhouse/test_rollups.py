"""ClickHouse's daily analytics roll-ups stay exact: after random batches (new traces, partial
updates, observations before their trace, a batch sent twice), trace deletions and a
retention purge, the roll-up tables sum to what the relational rule (`analytics.contrib`)
gives for the traces stored, and the analytics answers read from them equal the answers
computed from a scan of the traces."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.analytics import dataset
from tests.analytics.test_rollup_deltas import Workload, send
from tests.conftest import Harness

from tracehouse.analytics.contrib import DIMENSIONS, FIGURES, Deltas
from tracehouse.store.clickhouse import purge, rollups
from tracehouse.store.clickhouse.client import ClickHouse
from tracehouse.store.clickhouse.schema import latest

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_kind", ["clickhouse"], indirect=True)]
PROJECT = "project_rowid = {project:Int64}"


def clickhouse(th: Harness) -> ClickHouse:
    found = th.app.state.runtime.db.clickhouse
    assert found is not None
    return found


def project(th: Harness) -> int:
    return int(clickhouse(th).value("SELECT any(project_rowid) FROM tracehouse.traces"))


def stored(ch: ClickHouse, table: Any) -> dict[tuple[Any, ...], list[float]]:
    """The roll-up table's rows summed per dimensions (parts unmerged or not), as the reads
    sum them; the latency histogram last, as {bucket: count}."""
    dims, figures = DIMENSIONS[table], FIGURES[table]
    sums = ", ".join(f"sum(`{f}`)" for f in figures)
    hist = (
        ", sumMap(`latencyMap.bucket`, `latencyMap.n`)" if table.name == "analytics_daily" else ""
    )
    sql = (
        f"SELECT {', '.join(dims)}, {sums}{hist} FROM {ch.layout.table(table.name)} "
        f"GROUP BY {', '.join(dims)} HAVING sum(traces) != 0"
    )
    out = {}
    for row in ch.client.query(sql).result_rows:
        values: list[Any] = [float(v) for v in row[len(dims) : len(dims) + len(figures)]]
        if hist:
            buckets, counts = row[-1]
            values.append({int(b): int(n) for b, n in zip(buckets, counts, strict=True) if n})
        out[tuple(row[: len(dims)])] = values
    return out


def expected(ch: ClickHouse, project_rowid: int) -> dict[Any, dict[tuple[Any, ...], list[Any]]]:
    """What the relational roll-ups hold for these traces: each stored trace's contribution."""
    source = latest(ch.layout, "traces", PROJECT)
    deltas = Deltas()
    for state in rollups.states(ch, source, {"project": project_rowid}):
        deltas.add(state, 1)
    out: dict[Any, dict[tuple[Any, ...], list[Any]]] = {t: {} for t in rollups.TABLES}
    for (table, key), values in deltas.sums.items():
        if table in rollups.TABLES and values[0]:
            row: list[Any] = [float(v) for v in values]
            if table.name == "analytics_daily":
                row.append({b: n for b, n in deltas.hists[(table, key)][0].items() if n})
            out[table][key] = row
    return out


def assert_exact(th: Harness) -> None:
    ch = clickhouse(th)
    want = expected(ch, project(th))
    assert want[rollups.TABLES[0]]
    for table in rollups.TABLES:
        assert_rows(table, stored(ch, table), want[table])


def assert_rows(table: Any, got: dict[Any, list[Any]], want: dict[Any, list[Any]]) -> None:
    """The same groups, the same figures (sums of floats within rounding), the same
    histogram."""
    assert got.keys() == want.keys(), table.name
    n = len(FIGURES[table])
    for key, values in want.items():
        assert got[key][:n] == pytest.approx(values[:n], rel=1e-9, abs=1e-6), (table.name, key)
        assert got[key][n:] == values[n:], (table.name, key)


async def answers(th: Harness, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """`/api/v1/analytics` and `/costs` over five days (daily buckets: the roll-up days)."""
    params = {**dataset.window(dataset.T0 - timedelta(hours=12), hours=120), **extra}
    summary = await th.client.get("/api/v1/analytics", params=params, headers=th.auth)
    costs = await th.client.get("/api/v1/analytics/costs", params=params, headers=th.auth)
    assert summary.status_code == costs.status_code == 200, summary.text + costs.text
    return summary.json(), costs.json()


def keyed(rows: list[dict[str, Any]], *fields: str) -> dict[Any, tuple[Any, ...]]:
    return {row["key"]: tuple(pytest.approx(row[f]) for f in fields) for row in rows}


async def assert_same_as_a_scan(th: Harness) -> None:
    """The roll-up answer equals the trace scan's (`min_cost=0` is no roll-up dimension, and
    meets every trace); percentiles within the histograms' 1%."""
    (rolled, rolled_costs), (scanned, scanned_costs) = (
        await answers(th),
        await answers(th, min_cost=0),
    )
    a, b = rolled["summary"], scanned["summary"]
    for key in ("total_traces", "failed_traces", "warning_traces", "total_tokens", "retries"):
        assert a[key] == b[key], key
    assert a["total_cost"] == pytest.approx(b["total_cost"])
    assert a["average_latency"] == pytest.approx(b["average_latency"])
    for key in ("p50_latency", "p95_latency"):
        assert a[key] == pytest.approx(b[key], rel=0.02), key
    assert [p["traces"] for p in rolled["charts"]] == [p["traces"] for p in scanned["charts"]]
    for name in ("model_breakdown", "environment_breakdown", "status_breakdown"):
        assert keyed(rolled[name], "count") == keyed(scanned[name], "count"), name
    users = ("count", "cost", "failed")
    assert keyed(rolled["user_breakdown"], *users) == keyed(scanned["user_breakdown"], *users)
    assert rolled_costs["total_cost"] == pytest.approx(scanned_costs["total_cost"])
    by_model = {m["model"]: pytest.approx(m["total_tokens"]) for m in scanned_costs["by_model"]}
    assert {m["model"]: m["total_tokens"] for m in rolled_costs["by_model"]} == by_model


async def test_rollups_stay_exact_through_updates_resends_and_deletes(th: Harness) -> None:
    workload = Workload(seed=20261207)
    for round_ in range(6):
        batch = workload.batch(60)
        await send(th, batch)
        if round_ == 1:
            await send(th, batch)  # a client's retry of the same batch
        if round_ % 3 == 2:
            for trace_id in workload.rng.sample(workload.traces, 3):
                workload.traces.remove(trace_id)
                deleted = await th.client.delete(f"/api/public/traces/{trace_id}", headers=th.auth)
                # 404: a trace id the workload named but sent nothing for yet
                assert deleted.status_code in (200, 404), deleted.text
        assert_exact(th)
    await assert_same_as_a_scan(th)
    # retention: the traces that started before the middle of the second day go
    cutoff = dataset.T0 + timedelta(hours=36)
    purge.purge_project(clickhouse(th), project(th), int(cutoff.timestamp() * 1_000_000))
    assert_exact(th)
    await assert_same_as_a_scan(th)


async def test_rebuild_backfills_what_the_writes_kept(th: Harness) -> None:
    workload = Workload(seed=7)
    for _ in range(3):
        await send(th, workload.batch(50))
    ch = clickhouse(th)
    kept = {table: stored(ch, table) for table in rollups.TABLES}
    assert rollups.rebuild(ch, project(th)) > 0
    for table in rollups.TABLES:
        assert_rows(table, stored(ch, table), kept[table])
