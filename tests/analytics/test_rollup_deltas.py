"""Ingestion keeps the daily roll-ups current: after any sequence of batches (new traces,
observations before their trace, updates that move a trace to another day, change its status,
name, user or models, retries, deletions), the rows appended to every day sum to exactly what a
rebuild of that day from the base tables gives, before and after compaction; and analytics
answers read them at once, with no refresh."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from tests.analytics import dataset
from tests.conftest import Harness, make_settings, start

from tracehouse.analytics import contrib, rollup, rollup_store
from tracehouse.store.engine import Database
from tracehouse.store.tables import observations, trace_model_calls, traces

pytestmark = pytest.mark.anyio
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", None)
NAMES = ("chat", "search", "plan")
LEVELS = ("DEFAULT", "DEFAULT", "DEFAULT", "WARNING", "ERROR")
VERSIONS = (
    None,
    {"vcs.ref.head.revision": "AAAA1111", "vcs.ref.head.name": "main"},
    {"vcs.ref.head.revision": "bbbb2222"},
)


@pytest.fixture
async def th(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """Every stale day would come from its roll-up: none may be stale."""
    async for harness in start(make_settings(db_kind, tmp_path, request, analytics_live_traces=0)):
        yield harness


def when(rng: random.Random) -> str:
    """A time in one of three days (hours apart, so a trace can move across midnight)."""
    return (dataset.T0 + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))).isoformat()


class Workload:
    """Random Langfuse ingestion events over a growing set of traces and observations."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.traces: list[str] = []
        self.observations: list[tuple[str, str]] = []  # (observation id, trace id)
        self.serial = 0

    def _id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def _event(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": self._id("e"), "type": kind, "timestamp": when(self.rng), "body": body}

    def trace(self, trace_id: str) -> dict[str, Any]:
        rng = self.rng
        return self._event(
            "trace-create",
            {
                "id": trace_id,
                "name": rng.choice(NAMES),
                "userId": rng.choice(["u1", "u2", "u3", None]),
                "environment": rng.choice(["prod", "staging"]),
                "timestamp": when(rng),
                # The versions it names (a retry may move it to another).
                "release": rng.choice(["v1", "v2", None]),
                "metadata": rng.choice(VERSIONS),
            },
        )

    def score(self) -> dict[str, Any]:
        """A numeric or boolean score of a trace, sometimes replacing an earlier one."""
        rng = self.rng
        body = {"id": f"s{rng.randrange(0, 40)}", "traceId": rng.choice(self.traces),
                "name": rng.choice(["accuracy", "helpful"]), "value": rng.random()}  # fmt: skip
        if rng.random() < 0.2:
            body.update(dataType="BOOLEAN", value=float(rng.random() < 0.5))
        return self._event("score-create", body)

    def observation(self, trace_id: str, observation_id: str, kind: str) -> dict[str, Any]:
        rng = self.rng
        start = dataset.T0 + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
        body: dict[str, Any] = {
            "id": observation_id,
            "traceId": trace_id,
            "name": rng.choice(["llm", "tool", "retrieve"]),
            "startTime": start.isoformat(),
            "level": rng.choice(LEVELS),
        }
        if rng.random() < 0.8:
            body["endTime"] = (start + timedelta(milliseconds=rng.randrange(1, 90_000))).isoformat()
        model = rng.choice(MODELS)
        if model is not None:
            body["model"] = model
            body["usage"] = {"input": rng.randrange(1, 900), "output": rng.randrange(0, 300)}
            if rng.random() < 0.5:
                body["costDetails"] = {"total": round(rng.random() / 10, 6)}
        return self._event(f"{kind}-create", body)

    def batch(self, size: int) -> list[dict[str, Any]]:
        rng, events = self.rng, []
        for _ in range(size):
            roll = rng.random()
            if roll < 0.2 or not self.traces:
                trace_id = self._id("t")
                self.traces.append(trace_id)
                if rng.random() < 0.7:  # else it is created by its observations alone
                    events.append(self.trace(trace_id))
            elif roll < 0.3:  # a trace update: name, user, environment, versions
                events.append(self.trace(rng.choice(self.traces)))
            elif roll < 0.4:
                events.append(self.score())
            elif roll < 0.75 or not self.observations:
                trace_id = rng.choice(self.traces)
                observation_id = self._id("o")
                self.observations.append((observation_id, trace_id))
                events.append(
                    self.observation(trace_id, observation_id, rng.choice(["span", "generation"]))
                )
            else:  # an update of a stored observation: model, usage, level, times
                observation_id, trace_id = rng.choice(self.observations)
                event = self.observation(trace_id, observation_id, "generation")
                event["type"] = "generation-update"
                events.append(event)
        return events


def normal(table: Any, rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], Any]:
    """{dimensions: (figures, latency histogram)} of a table's rows."""
    out = {}
    for row in rows:
        dims = tuple(row[name] for name in contrib.DIMENSIONS[table])
        figures = [float(row[name]) for name in contrib.FIGURES[table]]
        hist = [orjson.loads(row[name]) for name in contrib.HISTS.get(table, ())]
        assert dims not in out
        out[dims] = (figures, hist)
    return out


def expected_calls(steps: list[Any]) -> tuple[bool, dict[str, list[float]]]:
    """A trace's retry flag and model calls, computed here from its observation rows (a step
    without a name repeats nothing, as in SQL)."""
    failed = [s for s in steps if s.level == "ERROR" and s.name is not None]
    retried = any(
        o.id != f.id
        and o.name == f.name
        and o.parent_id == f.parent_id
        and o.start_time >= f.start_time
        for f in failed
        for o in steps
    )
    calls: dict[str, list[float]] = {}
    for o in steps:
        if o.model is None:
            continue
        figures = calls.setdefault(o.model, [0.0] * 8)
        cost = o.reported_total_cost if o.reported_total_cost is not None else o.computed_total_cost
        timed = o.end_time is not None
        duration = (o.end_time - o.start_time) / 1000.0 if timed else 0.0
        add = [1, o.level == "ERROR", o.input_tokens or 0, o.output_tokens or 0]
        add += [o.total_tokens or 0, cost or 0.0, duration, timed]
        figures[:] = [a + float(b) for a, b in zip(figures, add, strict=True)]
    return retried, calls


def assert_rolled_up(db: Database) -> None:
    """Every trace's stored retry flag and model calls (its `model_calls` and its rows of
    `trace_model_calls`) agree with its observations."""
    c = trace_model_calls.c
    joined = traces.join(trace_model_calls, c.trace_rowid == traces.c.trace_rowid)
    with db.reader.connect() as conn:
        stored = conn.execute(select(traces.c.id, traces.c.retried, traces.c.model_calls)).all()
        rows = conn.execute(select(observations)).all()
        listed = conn.execute(select(traces.c.id, trace_model_calls).select_from(joined)).all()
    as_rows: dict[str, dict[str, list[float]]] = {}
    for trace_id, _rowid, model, *figures in listed:
        as_rows.setdefault(trace_id, {})[model] = [float(v) for v in figures]
    steps: dict[str, list[Any]] = {}
    for row in rows:
        steps.setdefault(row.trace_id, []).append(row)
    assert stored
    for trace_id, retried, text in stored:
        want_retried, want_calls = expected_calls(steps.get(trace_id, []))
        assert bool(retried) == want_retried, trace_id
        calls = orjson.loads(text or "{}")
        assert calls.keys() == want_calls.keys(), trace_id
        assert as_rows.get(trace_id, {}).keys() == want_calls.keys(), trace_id
        for model, figures in want_calls.items():
            assert calls[model] == pytest.approx(figures, rel=1e-9, abs=1e-9), (trace_id, model)
            assert as_rows[trace_id][model] == pytest.approx(figures, rel=1e-9, abs=1e-9)


def assert_current(db: Database) -> int:
    """Every trace's rolled-up columns agree with its observations, and every day's appended
    rows sum to its rebuild from those columns; returns the number of days checked."""
    assert_rolled_up(db)
    with db.reader.connect() as conn:
        project = conn.exec_driver_sql("SELECT project_rowid FROM projects").scalar_one()
        sizes = rollup_store.day_sizes(conn)
        assert rollup_store.all_dirty(conn) == []
        days = {day for (p, day) in sizes if p == project}
        starts = conn.execute(select(traces.c.start_time)).scalars()
        days |= {rollup_store.day_of(start) for start in starts}
        for day in days:
            rebuilt = rollup.day_rows(conn, project, day)
            for table in rollup_store.ROLLUPS:
                stored = rollup_store.day_of_table(conn, table, project, day)
                summed = contrib.consolidate(table, stored)
                got, want = normal(table, summed), normal(table, rebuilt[table])
                assert got.keys() == want.keys(), (table.name, day)
                for dims, (figures, hist) in want.items():
                    assert got[dims][0] == pytest.approx(figures, rel=1e-9, abs=1e-9), dims
                    assert got[dims][1] == hist, dims
    return len(days)


async def send(th: Harness, events: list[dict[str, Any]]) -> None:
    response = await th.client.post(
        "/api/public/ingestion", json={"batch": events}, headers=th.auth
    )
    assert response.status_code == 207, response.text
    assert response.json()["errors"] == [], response.text


async def test_appended_rollups_equal_a_rebuild(th: Harness) -> None:
    workload = Workload(seed=20261127)
    for round_ in range(8):
        await send(th, workload.batch(60))
        if round_ % 3 == 2:  # delete a few traces through the API
            for trace_id in workload.rng.sample(workload.traces, 3):
                workload.traces.remove(trace_id)
                workload.observations = [o for o in workload.observations if o[1] != trace_id]
                deleted = await th.client.delete(f"/api/public/traces/{trace_id}", headers=th.auth)
                assert deleted.status_code == 200, deleted.text
        assert assert_current(th.app.state.runtime.db) >= 3
    db = th.app.state.runtime.db
    with db.reader.connect() as conn:
        before = sum(rollup_store.day_sizes(conn).values())
    assert rollup.refresh(db) == 0  # nothing was dirty
    with db.reader.connect() as conn:
        after = sum(rollup_store.day_sizes(conn).values())
    assert after < before  # compaction summed the appended rows
    assert assert_current(th.app.state.runtime.db) >= 3


async def test_answers_are_current_without_a_refresh(th: Harness) -> None:
    """Stale days would be served from their roll-up (`analytics_live_traces=0`): the answers
    are exact and current straight after ingestion, and after an update and a deletion."""
    traces = [*dataset.make(), *dataset.make("late", 6, dataset.T0 + timedelta(days=2, hours=3))]
    await dataset.load(th.client, th.auth, traces)
    params = dataset.window(dataset.T0 - 12 * dataset.HOUR, hours=72)

    async def check() -> None:
        response = await th.client.get("/api/v1/analytics/costs", params=params, headers=th.auth)
        body = response.json()
        assert body["freshness"] == {"current": True, "stale_days": []}
        assert body["total_cost"] == pytest.approx(sum(t.cost for t in traces))
        by_model = {m["model"]: m["total_tokens"] for m in body["by_model"]}
        for model in dataset.MODELS:
            calls = [s for t in traces for s in t.steps if s.model == model]
            assert by_model[model] == sum(s.input_tokens + s.output_tokens for s in calls)
        summary = (await th.client.get("/api/v1/analytics", params=params, headers=th.auth)).json()
        assert summary["summary"]["total_traces"] == len(traces)
        assert summary["summary"]["failed_traces"] == sum(t.status == "error" for t in traces)

    await check()
    step = traces[4].steps[0]
    patched = await th.client.patch(
        f"/api/v1/observations/{step.id}", json={"cost": {"total": 1.25}}, headers=th.auth
    )
    assert patched.status_code == 200, patched.text
    step.cost = 1.25
    await check()
    gone = traces.pop(9)
    deleted = await th.client.delete(f"/api/v1/traces/{gone.id}", headers=th.auth)
    assert deleted.status_code in (200, 204), deleted.text
    await check()
