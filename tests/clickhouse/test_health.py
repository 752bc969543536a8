"""`GET /health` with the traces in ClickHouse: it says so, and answers 503 (as the Langfuse
health does) once ClickHouse stops answering, while the relational database still does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio


@pytest.fixture
async def ch(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    async for th in start(make_settings("clickhouse", tmp_path, request)):
        yield th


async def test_health_names_the_trace_store_and_fails_without_it(
    ch: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    health = (await ch.client.get("/health")).json()
    assert (health["status"], health["traces"]) == ("ok", "clickhouse")

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("ClickHouse is down")

    store = ch.app.state.runtime.db.clickhouse
    monkeypatch.setattr(store.client, "query", down)  # the server went away after start
    for path in ("/health", "/api/public/health"):
        response = await ch.client.get(path)
        assert response.status_code == 503, path
        assert "ClickHouse" in response.json()["error"]["message"]
