"""A harness whose analytics reads come from the daily roll-ups: stale days are never read
live (`analytics_live_traces=0`), and every GET first rebuilds the dirty days, as the refresher
job would once writes go quiet; every analytics answer must then say it is current."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import Harness, make_settings, start

from tracehouse.analytics import rollup


def refresh(th: Harness) -> int:
    """Rebuild every dirty day now; returns how many were rebuilt."""
    return rollup.refresh(th.app.state.runtime.db)


async def harness(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, **extra: Any
) -> AsyncIterator[Harness]:
    settings = make_settings(db_kind, tmp_path, request, analytics_live_traces=0, **extra)
    async for th in start(settings):
        th.client.event_hooks["request"].append(_refresher(th))
        th.client.event_hooks["response"].append(_check_current)
        yield th


def _refresher(th: Harness) -> Any:
    async def before(request: httpx.Request) -> None:
        if request.method == "GET":
            refresh(th)

    return before


async def _check_current(response: httpx.Response) -> None:
    if response.request.method == "GET" and response.status_code == 200:
        await response.aread()
        freshness = response.json().get("freshness", {"current": True})
        assert freshness == {"current": True, "stale_days": []}, freshness
