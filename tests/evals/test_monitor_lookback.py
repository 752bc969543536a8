"""Monitors read past their watermark and look back over recent traces below it: a trace that
becomes visible late (a PostgreSQL transaction committing after later ones) is still evaluated,
and the claims keep every trace to one evaluation, whichever pass reads it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from tests.conftest import Harness
from tests.evals.conftest import trace, wait_run
from tests.evals.test_monitors import eval_scores, setup

from tracehouse.clock import now_us
from tracehouse.evaluations import monitor_store, monitors
from tracehouse.evaluators.judge import JUDGE_ENVIRONMENT
from tracehouse.jobs.retention import purge
from tracehouse.store.tables import monitor_claims, traces
from tracehouse.store.tables import monitors as monitors_table

pytestmark = pytest.mark.anyio
DAY_US = 86_400_000_000


async def trigger(ev: Harness, claimed: int) -> dict[str, Any]:
    """A pass by hand; waits for the run it queued."""
    response = await ev.client.post("/api/v1/evaluations/monitors/watch/trigger", headers=ev.auth)
    assert response.status_code == 202, response.text
    body = dict(response.json())
    assert body["traces_claimed"] == claimed, body
    if body["run_id"] is not None:
        assert (await wait_run(ev, body["run_id"]))["status"] == "succeeded"
    return body


def watermark(ev: Harness) -> int:
    with ev.app.state.runtime.db.reader.connect() as conn:
        return int(conn.execute(select(monitors_table.c.watermark)).scalar_one())


def make_late(ev: Harness, placeholder: str, late_id: str) -> int:
    """Put a matching trace `late_id` at the trace_rowid of `placeholder` (below the watermark),
    as a transaction that committed late would have left it; returns that rowid."""
    t = traces.c
    with ev.app.state.runtime.db.writer.begin() as conn:
        row = dict(conn.execute(select(traces).where(t.id == placeholder)).mappings().one())
        conn.execute(delete(traces).where(t.trace_rowid == row["trace_rowid"]))
        now = now_us()
        row.update(id=late_id, name="qa", created_at=now, updated_at=now)
        conn.execute(insert(traces).values(**row))
    return int(row["trace_rowid"])


async def test_a_trace_visible_late_is_evaluated_once(ev: Harness) -> None:
    await setup(ev, filter={"name": "qa"}, enabled=False)  # passes only by hand
    await trace(ev, "a", name="qa")
    await trace(ev, "gap", name="other")
    await trace(ev, "b", name="qa")
    await trigger(ev, 2)
    late_rowid = make_late(ev, "gap", "late")
    assert late_rowid < watermark(ev)  # the watermark alone would never read it again
    await trigger(ev, 1)
    await trigger(ev, 0)
    await trigger(ev, 0)
    for trace_id in ("a", "b", "late"):
        assert len(await eval_scores(ev, trace_id)) == 1, trace_id
    body = (await ev.client.get("/api/v1/evaluations/monitors/watch", headers=ev.auth)).json()
    assert body["traces_claimed"] == 3


async def test_new_traces_are_picked_once_over_many_passes(ev: Harness) -> None:
    await setup(ev, filter={"name": "qa"}, enabled=False)
    for round_ in range(4):
        await trace(ev, f"n{round_}-1", name="qa")
        await trace(ev, f"n{round_}-2", name="qa")
        await trace(ev, f"n{round_}-x", name="chat")
        await trigger(ev, 2)  # the lookback re-reads earlier rounds; their claims keep them out
        await trigger(ev, 0)
    for round_ in range(4):
        for n in (1, 2):
            assert len(await eval_scores(ev, f"n{round_}-{n}")) == 1
        assert await eval_scores(ev, f"n{round_}-x") == []
    runs = await ev.client.get(
        "/api/v1/evaluations/runs", params={"status": "succeeded"}, headers=ev.auth
    )
    assert runs.json()["meta"]["total_count"] == 4


async def test_passes_that_read_the_same_traces_evaluate_each_once(ev: Harness) -> None:
    """Two passes that both read a trace (a stale watermark, or passes not taking turns): the
    claim of the first wins, the second leaves the trace alone."""
    monitor = await setup(ev, filter={"name": "qa"}, enabled=False)
    await trace(ev, "p1", name="qa")
    await trace(ev, "p2", name="qa")
    rt = ev.app.state.runtime
    with rt.db.reader.connect() as conn:  # pass A reads ...
        row = monitor_store.MONITORS.find(conn, _project(ev), monitor["id"])
        seen = monitor_store.candidates(
            conn, row, monitors._filters({"name": "qa"}), (0, now_us()), JUDGE_ENVIRONMENT, 50
        )
    assert sorted(r["id"] for r in seen) == ["p1", "p2"]
    await trigger(ev, 2)  # ... pass B reads and claims ...
    with rt.db.writer.begin() as conn:  # ... then pass A claims what it read: nothing is left
        late = monitor_store.claim(conn, row["monitor_rowid"], ["p1", "p2"], "pass-a", now_us())
    assert late == []
    with rt.db.writer.begin() as conn:  # a watermark that went back reads them again: no pick
        conn.execute(update(monitors_table).values(watermark=0))
    await trigger(ev, 0)
    for trace_id in ("p1", "p2"):
        assert len(await eval_scores(ev, trace_id)) == 1


async def test_sampled_out_traces_stay_out_and_are_not_counted(ev: Harness) -> None:
    await setup(ev, samplingRate=0.0, enabled=False)
    await trace(ev, "s1")
    first = await trigger(ev, 0)
    assert first["traces_considered"] == 1
    second = await trigger(ev, 0)
    assert second["traces_considered"] == 0  # decided: not read again, even in the lookback
    body = (await ev.client.get("/api/v1/evaluations/monitors/watch", headers=ev.auth)).json()
    assert body["traces_claimed"] == 0


def _project(ev: Harness) -> int:
    with ev.app.state.runtime.db.reader.connect() as conn:
        result = conn.exec_driver_sql("SELECT project_rowid FROM projects WHERE name = 'main'")
        return int(result.scalar_one())


def claimed(ev: Harness) -> set[str]:
    with ev.app.state.runtime.db.reader.connect() as conn:
        return set(conn.execute(select(monitor_claims.c.trace_id)).scalars())


async def test_decisions_go_with_their_traces(ev: Harness) -> None:
    """A monitor's decision on a trace is dropped when the trace is deleted or purged by
    retention (claims would otherwise grow forever); a trace stored again under the same id
    is new data and is evaluated again."""
    await setup(ev, filter={"name": "qa"}, enabled=False)
    for trace_id in ("a", "b", "c"):
        await trace(ev, trace_id, name="qa")
    await trigger(ev, 3)
    assert claimed(ev) == {"a", "b", "c"}
    deleted = await ev.client.delete("/api/v1/traces/a", headers=ev.auth)
    assert deleted.status_code in (200, 204), deleted.text
    assert claimed(ev) == {"b", "c"}
    await trace(ev, "a", name="qa")
    await trigger(ev, 1)
    assert claimed(ev) == {"a", "b", "c"}
    # Retention keeping a day, run as of tomorrow: every trace goes, and so do the decisions.
    admin = await ev.admin_token()
    [project] = (await ev.client.get("/api/v1/projects", headers=admin)).json()["data"]
    kept = await ev.client.patch(
        f"/api/v1/projects/{project['id']}", json={"retentionDays": 1}, headers=admin
    )
    assert kept.status_code == 200, kept.text
    purged = purge(ev.app.state.runtime.db.writer, test_data_days=30, now=now_us() + 2 * DAY_US)
    assert purged.traces >= 3
    assert claimed(ev) == set()
