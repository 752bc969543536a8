"""Playground runs are AI-backed: capped per caller at `ai_rate_limit_per_minute`, from the API
and from the page (whose session user has a bucket of their own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.conftest import Harness, make_settings, start
from tests.playground.test_playground_api import MESSAGES, RUNS, credential
from tests.playground.test_playground_pages import _state
from tests.ui.conftest import log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


@pytest.fixture
async def capped(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    settings = make_settings(db_kind, tmp_path, request, ai_rate_limit_per_minute=2)
    async for th in start(settings):
        yield th


async def test_runs_are_capped_per_caller(capped: Harness, llm: str) -> None:
    th = capped
    await credential(th, "oa", "openai", llm, defaultModel="gpt-4o-mini")
    body = {"messages": MESSAGES, "targets": [{}], "stream": False}
    answers = [await th.client.post(RUNS, json=body, headers=th.auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "playground-run calls per minute" in answers[2].json()["error"]["message"]
    await log_in(th.client)
    page = (await th.client.get(f"/ui/p/{await _project_id(th)}/playground")).text
    headers = {"X-CSRF-Token": _state(page)["csrf"], "Accept": "text/event-stream"}
    url = _state(page)["runs_url"]
    from_page = [await th.client.post(url, json=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in from_page] == [200, 200, 429]
    assert from_page[2].json()["error"]["code"] == "rate_limited"
