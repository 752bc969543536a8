"""The alert job: rules are evaluated on the schedule without anyone asking, and each due
evaluation is claimed by one evaluator only (several server processes on PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.alerts.conftest import Receiver, send_traces
from tests.conftest import make_settings, start

from tracehouse.alerts import evaluate

pytestmark = pytest.mark.anyio


async def test_the_job_evaluates_due_rules_once(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, receiver: Receiver
) -> None:
    settings = make_settings(db_kind, tmp_path, request, alert_interval_seconds=0.2)
    async for th in start(settings):
        hook = {"name": "hook", "kind": "webhook", "url": f"{receiver.url}/hook"}
        channel = (
            await th.client.post("/api/v1/alerts/channels", json=hook, headers=th.auth)
        ).json()
        await send_traces(th, 2, status="error")
        rule = {
            "name": "errors",
            "metric": "error_rate",
            "critical": 50,
            "channel_ids": [channel["id"]],
        }
        created = await th.client.post("/api/v1/alerts/rules", json=rule, headers=th.auth)
        for _ in range(50):
            if receiver.requests:
                break
            await asyncio.sleep(0.1)
        assert [r.json()["type"] for r in receiver.requests] == ["alert.firing"]
        path = f"/api/v1/alerts/rules/{created.json()['id']}"
        for _ in range(50):  # the pass records the state once its notification went out
            shown = (await th.client.get(path, headers=th.auth)).json()
            if shown["state"] == "critical":
                break
            await asyncio.sleep(0.1)
        assert shown["state"] == "critical" and shown["last_evaluated_at"]
        await asyncio.sleep(0.5)  # later passes see no change: one notification
        assert len(receiver.requests) == 1


async def test_a_due_rule_is_claimed_by_one_evaluator(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(db_kind, tmp_path, request, alert_interval_seconds=0)
    async for th in start(settings):
        for index in range(5):
            rule = {"name": f"r{index}", "metric": "trace_volume", "critical": 100}
            await th.client.post("/api/v1/alerts/rules", json=rule, headers=th.auth)
        rt = th.app.state.runtime
        counts = await asyncio.gather(*(evaluate.evaluate_due(rt) for _ in range(4)))
        assert sum(counts) == 5
        assert await evaluate.evaluate_due(rt) == 0  # not due again before the interval
