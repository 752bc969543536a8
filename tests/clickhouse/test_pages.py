"""Pages of traces and observations on ClickHouse read candidate keys first
(`store/clickhouse/newest.py`): with rows rewritten many times (old versions sorting first, or
matching a filter their current version no longer matches) and a first candidate window of one
row (the page is read again, with more candidates, until it is whole), every page, cursor and
count is the one SQLite gives."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Harness, make_settings, start

from tracehouse.store.clickhouse import newest

pytestmark = pytest.mark.anyio

_MODELS = ("gpt-4o", "claude-sonnet-4-5")


def _updates(seed: int) -> list[tuple[str, dict[str, Any]]]:
    """Twelve traces of three steps, every trace and step written three times with another
    time, model or level (shuffled; no two writes share a time: ties would be ordered by row
    ids, which differ between the stores)."""
    rnd = random.Random(seed)
    times = iter(rnd.sample(range(3000), 12 * 3 * 4))
    out: list[tuple[str, dict[str, Any]]] = []
    for t in range(12):
        for _ in range(3):
            out.append(("/api/v1/traces", {"id": f"t{t}", "name": f"run-{t % 3}",
                                            "timestamp": _at(next(times))}))  # fmt: skip
            for o in range(3):
                start = next(times)
                out.append(("/api/v1/observations", {
                    "id": f"t{t}-o{o}", "traceId": f"t{t}", "type": "generation",
                    "model": rnd.choice(_MODELS), "level": rnd.choice(["DEFAULT", "ERROR"]),
                    "startTime": _at(start), "endTime": _at(start + 1 + rnd.randrange(500)),
                }))  # fmt: skip
    rnd.shuffle(out)
    return out


def _at(seconds: int) -> str:
    return f"2026-11-01T10:{seconds // 60:02d}:{seconds % 60:02d}Z"


async def _walk(th: Harness, path: str) -> list[Any]:
    """Every page of a list by its cursors: the ids of each page and the total each gives."""
    pages: list[Any] = []
    cursor = ""
    while True:
        url = path + (f"&cursor={cursor}" if cursor else "")
        body = (await th.client.get(url, headers=th.auth)).json()
        pages.append(([item["id"] for item in body["data"]], body["meta"]["total_count"]))
        cursor = body["meta"]["next_cursor"]
        if not cursor:
            return pages


_LISTS = (
    "/api/v1/traces?limit=5",
    "/api/v1/traces?limit=2",
    "/api/v1/observations?limit=2",
    "/api/v1/traces?limit=2&sort=latency&order=asc",
    "/api/v1/traces?limit=2&sort=latency",
    "/api/v1/traces?limit=4&order=asc",
    "/api/v1/traces?limit=3&level=ERROR",
    "/api/v1/traces?limit=50&offset=7",
    "/api/v1/observations?limit=4&model=gpt-4o",
    "/api/v1/observations?limit=3&level=ERROR&type=generation",
)


async def _answers(th: Harness, updates: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    for path, body in updates:
        response = await th.client.post(path, json=body, headers=th.auth)
        assert response.status_code == 201, response.text
    return [await _walk(th, path) for path in _LISTS]


@pytest.mark.parametrize("seed", [3, 4])
async def test_pages_over_rewritten_rows_are_sqlites(
    seed: int, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newest, "first_size", lambda rows, first=1: 1)
    updates = _updates(seed)
    answers = {}
    for kind in ("sqlite", "clickhouse"):
        async for th in start(make_settings(kind, tmp_path / kind, request)):
            answers[kind] = await _answers(th, updates)
    assert answers["clickhouse"] == answers["sqlite"]
    assert sum(len(ids) for ids, _ in answers["sqlite"][0]) == 12
    assert answers["sqlite"][8][0][1] > 0
