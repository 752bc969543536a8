"""Custom model prices override the built-in table; the retention job purges old data."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from tests.conftest import Harness

from tracehouse.clock import now_us
from tracehouse.jobs.retention import purge
from tracehouse.store.engine import open_database
from tracehouse.store.tables import evaluation_runs

pytestmark = pytest.mark.anyio

DAY_US = 86_400_000_000


async def test_custom_price_overrides_builtin(th: Harness) -> None:
    price = {
        "modelName": "gpt-4o",
        "inputPrice": 1.0,
        "outputPrice": 2.0,
        "cacheReadPrice": 0.5,
    }
    created = await th.client.post("/api/v1/models", json=price, headers=th.auth)
    assert created.status_code == 201, created.text
    assert created.json()["unit"] == "USD per 1M tokens"
    obs = {
        "id": "g",
        "traceId": "t",
        "model": "gpt-4o",
        "usage": {"inputTokens": 1_000_000, "outputTokens": 1_000_000, "cacheReadTokens": 500_000},
    }
    await th.client.post("/api/v1/observations", json=obs, headers=th.auth)
    body = (await th.client.get("/api/v1/observations/g", headers=th.auth)).json()
    # 500k uncached x $1/M + 500k cached x $0.5/M + 1M output x $2/M
    assert body["cost"]["computed"]["total"] == pytest.approx(0.5 + 0.25 + 2.0)
    lookup = (await th.client.get("/api/v1/models/lookup?model=gpt-4o", headers=th.auth)).json()
    assert lookup["price"]["source"] == "custom"
    other = (await th.client.get("/api/v1/models/lookup?model=gpt-4o-mini", headers=th.auth)).json()
    assert other["price"]["source"] == "genai-prices"
    unknown = await th.client.get("/api/v1/models/lookup?model=my-private-llm", headers=th.auth)
    assert unknown.status_code == 404

    price_id = created.json()["id"]
    assert (
        await th.client.delete(f"/api/v1/models/{price_id}", headers=th.auth)
    ).status_code == 204
    await th.client.post("/api/v1/observations", json={**obs, "id": "g2"}, headers=th.auth)
    body = (await th.client.get("/api/v1/observations/g2", headers=th.auth)).json()
    assert body["cost"]["computed"]["total"] > 3.0  # built-in gpt-4o prices again


async def test_custom_regex_price_for_private_model(th: Harness) -> None:
    await th.client.post(
        "/api/v1/models",
        json={
            "modelName": "acme-llm",
            "matchPattern": "acme-llm(-.*)?",
            "inputPrice": 10,
            "outputPrice": 20,
        },
        headers=th.auth,
    )
    obs = {
        "id": "p",
        "traceId": "t",
        "model": "ACME-LLM-v2",
        "usage": {"inputTokens": 1000, "outputTokens": 500},
    }
    await th.client.post("/api/v1/observations", json=obs, headers=th.auth)
    body = (await th.client.get("/api/v1/observations/p", headers=th.auth)).json()
    assert body["cost"]["computed"]["total"] == pytest.approx(1000 * 10e-6 + 500 * 20e-6)
    bad = await th.client.post(
        "/api/v1/models", json={"modelName": "x", "matchPattern": "(unclosed"}, headers=th.auth
    )
    assert bad.status_code == 422  # tests/test_price_patterns.py: patterns refused


async def test_retention_job(th: Harness) -> None:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    test_key = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "test"}, headers=token
    )
    test_auth = {"X-API-Key": test_key.json()["secret_key"]}
    await th.client.post(
        "/api/v1/traces",
        json={"id": "from-test-key", "observations": [{"id": "x"}]},
        headers=test_auth,
    )
    await th.client.post("/api/v1/traces", json={"id": "live-recent"}, headers=th.auth)
    old = "2026-01-01T00:00:00Z"
    await th.client.post(
        "/api/v1/traces",
        json={"id": "live-old", "timestamp": old, "observations": [{"id": "y", "startTime": old}]},
        headers=th.auth,
    )

    db = open_database(th.settings)
    with db.writer.begin() as conn:  # an evaluation run made with the test key, one live
        for run_id, is_test in (("run-test", True), ("run-live", False)):
            conn.execute(
                insert(evaluation_runs).values(
                    project_rowid=1,
                    id=run_id,
                    target_type="trace",
                    target_ids="[]",
                    evaluator_ids="[]",
                    status="succeeded",
                    is_test=is_test,
                    created_at=now_us(),
                )
            )
    try:
        # four days on: the test-key data stays; no retention set yet
        nothing = purge(db.writer, test_data_days=5, now=now_us() + 4 * DAY_US)
        assert (nothing.traces, nothing.observations) == (0, 0)
        # six days on: the test-key trace and its observation are gone
        purged = purge(db.writer, test_data_days=5, now=now_us() + 6 * DAY_US)
        assert (purged.traces, purged.observations) == (1, 1)
        with db.reader.connect() as conn:
            runs = conn.execute(select(evaluation_runs.c.id)).scalars().all()
        assert runs == ["run-live"]  # evaluation runs of test data go with it
        await th.client.patch(
            f"/api/v1/projects/{main['id']}", json={"retentionDays": 30}, headers=token
        )
        purged = purge(db.writer, test_data_days=5)
        assert (purged.traces, purged.observations) == (1, 1)
    finally:
        db.dispose()
    remaining = (await th.client.get("/api/v1/traces", headers=th.auth)).json()
    assert [t["id"] for t in remaining["data"]] == ["live-recent"]
