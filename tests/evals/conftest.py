"""Fixtures for evaluation tests: the app with a fast evaluation worker, and the local
OpenAI-compatible server standing in for the judge's provider."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests import fake_openai
from tests.conftest import Harness, make_settings, start


@pytest.fixture(scope="session")
def llm_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture
def script(llm_url: str) -> Iterator[fake_openai.Script]:
    fake_openai.SCRIPT.reset()
    yield fake_openai.SCRIPT
    fake_openai.SCRIPT.reset()


@pytest.fixture
async def ev(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The app on SQLite and PostgreSQL, its evaluation worker polling every 0.1 s."""
    # The tests' writes overlap the worker's scores: slow commits (chDB on a loaded machine)
    # must not turn them into 503s (write shedding has its own tests).
    settings = make_settings(
        db_kind, tmp_path, request, evaluation_interval_seconds=0.1, write_wait_budget_seconds=60
    )
    async for harness in start(settings):
        yield harness


async def provider(ev: Harness, url: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "fake", "apiKey": "sk-fake-judge-key-1234", "baseUrl": url, **extra}
    response = await ev.client.post("/api/v1/providers", json=body, headers=ev.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def trace(
    ev: Harness, trace_id: str, auth: dict[str, str] | None = None, **fields: Any
) -> None:
    body = {
        "id": trace_id,
        "name": "qa",
        "input": "What is the capital of France?",
        "output": "Paris",
        **fields,
    }
    response = await ev.client.post("/api/v1/traces", json=body, headers=auth or ev.auth)
    assert response.status_code in (200, 201, 202), response.text


async def wait_run(ev: Harness, run_id: str, rounds: int = 300) -> dict[str, Any]:
    """Poll a run until it is finished (the worker serves it in the background)."""
    for _ in range(rounds):
        response = await ev.client.get(f"/api/v1/evaluations/runs/{run_id}", headers=ev.auth)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] not in ("queued", "running"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish: {body}")
