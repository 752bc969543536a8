"""The dashboard page shows the analytics API's figures for the same range (one data path)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Harness, make_settings, start
from tests.ui.conftest import log_in
from tests.ui.test_pages import _project_id

from tracehouse.analytics import rollup
from tracehouse.clock import to_us
from tracehouse.jobs.retention import purge
from tracehouse.ui.templating import cost, duration, number

pytestmark = pytest.mark.anyio

FROM, TO = "2026-01-01T00:00", "2026-01-02T00:00"
API_RANGE = {"from": f"{FROM}:00Z", "to": f"{TO}:00Z"}


async def _seed(th: Harness) -> None:
    for i in range(6):
        day = "02" if i == 5 else "01"  # the last one is outside the custom range
        body = {
            "id": f"dash-{i}",
            "name": "chat",
            "user_id": f"dash-user-{i % 3}",
            "start_time": f"2026-01-{day}T0{i}:00:00Z",
            "end_time": f"2026-01-{day}T0{i}:00:0{i + 1}Z",
            "observations": [
                {
                    "id": f"dash-obs-{i}",
                    "type": "generation",
                    "name": "llm",
                    "model": "gpt-4o" if i % 2 else "gpt-4o-mini",
                    "start_time": f"2026-01-{day}T0{i}:00:00Z",
                    "end_time": f"2026-01-{day}T0{i}:00:0{i + 1}Z",
                    "usage": {"input_tokens": 100 * (i + 1), "output_tokens": 10},
                    "level": "ERROR" if i == 1 else "DEFAULT",
                }
            ],
        }
        response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
        assert response.status_code == 201, response.text


def _card(page: str, metric: str) -> str:
    match = re.search(rf'data-metric="{metric}"[^>]*>.*?<strong>([^<]*)</strong>', page, re.S)
    assert match, metric
    return html.unescape(match.group(1))


@pytest.mark.clickhouse
async def test_the_dashboard_shows_the_analytics_apis_figures_for_a_custom_range(
    th: Harness,
) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    board = await th.client.get(f"/ui/p/{project_id}/dashboard", params={"from": FROM, "to": TO})
    assert board.status_code == 200, board.text
    page = board.text
    api = (await th.client.get("/api/v1/analytics", params=API_RANGE, headers=th.auth)).json()
    spend = await th.client.get("/api/v1/analytics/costs", params=API_RANGE, headers=th.auth)
    assert spend.json()["total_cost"] == pytest.approx(api["summary"]["total_cost"])
    summary = api["summary"]
    assert summary["total_traces"] == 5
    assert _card(page, "traces") == f"{summary['total_traces']:,}"
    assert _card(page, "errors") == f"{summary['failed_traces']:,}"
    assert _card(page, "tokens") == f"{summary['total_tokens']:,}"
    assert _card(page, "cost") == cost(summary["total_cost"])
    for p in (50, 95, 99):
        assert _card(page, f"p{p}") == duration(summary[f"p{p}_latency"])
    assert _card(page, "success_rate") == f"{summary['success_rate']:.1f}%"
    for key in ("failed_traces", "slow_requests", "retries"):
        assert _card(page, key) == f"{summary[key]:,}"
    # The traces chart has the API's buckets (hourly for one day) and their counts.
    peak = max(p["traces"] for p in api["charts"])
    traces_svg = page.split('aria-label="Traces per time bucket"', 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r"<title>([^<]*)</title>", traces_svg)
    assert bars == [f"{number(p['traces'])} traces" for p in api["charts"]]
    ticks = re.findall(r'class="label tick">([^<]*)<', page)
    assert ticks[:3] == ["0 traces", f"{number(peak / 2)} traces", f"{number(peak)} traces"]
    assert any(t.startswith("$") for t in ticks)  # the cost chart's axis is in dollars
    assert len(bars) == 24
    models = re.findall(r'data-model="([^"]+)"', page)
    assert models == [m["key"] for m in api["model_breakdown"]]  # most traces first
    for m in api["model_breakdown"]:
        assert cost(m["cost"]) in page
        assert f"{m['calls']:,} calls" in page
    tokens = _model_tokens(page)
    assert tokens == _api_model_tokens(api)
    assert tokens == {
        m["model"]: f"{m['input_tokens']},{m['output_tokens']},{m['total_tokens']}"
        for m in spend.json()["by_model"]
    }
    # gpt-4o-mini: traces 0, 2, 4 in range: 100 + 300 + 500 input, 3 x 10 output tokens.
    assert tokens["gpt-4o-mini"] == "900,30,930"
    assert "900 in · 30 out · 930 tokens" in page
    users = re.findall(r'data-user="([^"]+)"', page)
    assert users == [u["key"] for u in api["user_breakdown"]]
    assert 'value="2026-01-01T00:00"' in page and 'value="2026-01-02T00:00"' in page
    assert "docs/" not in page  # no internal doc paths for the people using the page
    assert not re.search(r"\d\.\d+e[+-]\d", page)  # numbers for people, never exponents


def _model_tokens(page: str) -> dict[str, str]:
    """The model table's tokens: model -> "input,output,total"."""
    return dict(re.findall(r'data-model="([^"]+)".*?data-tokens="([^"]+)"', page))


def _api_model_tokens(body: dict[str, Any]) -> dict[str, str]:
    return {
        m["key"]: f"{m['input_tokens']},{m['output_tokens']},{m['total_tokens']}"
        for m in body["model_breakdown"]
    }


async def test_the_model_table_agrees_with_the_api_while_days_await_their_roll_up(
    th: Harness,
) -> None:
    """Whole days come from roll-ups; days written since their last one are read live (within
    the budget). The model table follows the same plan as the cards above it."""
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    week = {"from": "2025-12-29T00:00", "to": "2026-01-05T00:00"}
    board = await th.client.get(f"/ui/p/{project_id}/dashboard", params=week)
    assert board.status_code == 200, board.text
    api_week = {key: f"{value}:00Z" for key, value in week.items()}
    api = (await th.client.get("/api/v1/analytics", params=api_week, headers=th.auth)).json()
    assert _card(board.text, "tokens") == f"{api['summary']['total_tokens']:,}" == "2,160"
    # gpt-4o-mini: traces 0, 2, 4; gpt-4o: traces 1, 3, 5 (200 + 400 + 600 input tokens).
    assert _model_tokens(board.text) == {"gpt-4o-mini": "900,30,930", "gpt-4o": "1200,30,1230"}
    assert _model_tokens(board.text) == _api_model_tokens(api)


async def test_presets_and_a_bad_custom_range(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    for preset in ("1h", "24h", "7d", "30d"):
        board = await th.client.get(f"/ui/p/{project_id}/dashboard", params={"range": preset})
        assert board.status_code == 200
        assert f'href="?range={preset}" aria-current="true"' in board.text
    backwards = await th.client.get(
        f"/ui/p/{project_id}/dashboard", params={"from": TO, "to": FROM}
    )
    assert backwards.status_code == 400
    garbled = await th.client.get(f"/ui/p/{project_id}/dashboard", params={"from": "yesterday"})
    assert garbled.status_code == 400


@pytest.fixture
async def th_stale(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Stale days are never read live: they come from their last roll-up."""
    async for harness in start(make_settings(db_kind, tmp_path, request, analytics_live_traces=0)):
        yield harness


async def test_the_dashboard_says_when_days_are_being_refreshed(th_stale: Harness) -> None:
    th = th_stale
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    # Retention (a day) run as of 2026-01-02T03:00: the first three traces of 2026-01-01 go,
    # and the purge marks their day for a rebuild.
    kept = await th.client.patch(
        f"/api/v1/projects/{project_id}", json={"retentionDays": 1}, headers=await th.admin_token()
    )
    assert kept.status_code == 200, kept.text
    purged = purge(
        th.app.state.runtime.db.writer, test_data_days=30, now=to_us("2026-01-02T03:00:00Z")
    )
    assert purged.traces == 3
    week = {"from": "2025-12-29T00:00", "to": "2026-01-05T00:00"}  # whole days: roll-ups
    board = await th.client.get(f"/ui/p/{project_id}/dashboard", params=week)
    assert board.status_code == 200, board.text
    assert 'id="freshness"' in board.text
    assert "2026-01-01" in board.text
    assert _card(board.text, "traces") == "6"  # the day's roll-up as of the purge
    rollup.refresh(th.app.state.runtime.db)
    board = await th.client.get(f"/ui/p/{project_id}/dashboard", params=week)
    assert 'id="freshness"' not in board.text
    assert _card(board.text, "traces") == "3"
