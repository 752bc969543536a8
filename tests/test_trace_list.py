"""`GET /api/v1/traces`: every filter, every sort, cursor and offset pagination."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


def make(i: int) -> dict:
    """Trace i: start at minute i, latency (i+1) s, tokens 100*i, model by parity, errors on 3s."""
    model = "gpt-4o" if i % 2 == 0 else "claude-sonnet-4-5"
    return {
        "id": f"t{i:02d}",
        "name": "chat" if i % 2 == 0 else "search",
        "userId": f"u{i % 3}",
        "sessionId": f"s{i % 4}",
        "environment": "prod" if i < 6 else "staging",
        "release": "r1" if i < 5 else "r2",
        "tags": ["even"] if i % 2 == 0 else ["odd", "x"],
        "input": f"question number {i}",
        "output": "the answer is blue" if i == 7 else "fine",
        "timestamp": f"2026-11-01T10:{i:02d}:00Z",
        "observations": [
            {
                "id": f"o{i:02d}",
                "type": "generation",
                "model": model,
                "startTime": f"2026-11-01T10:{i:02d}:00Z",
                "endTime": f"2026-11-01T10:{i:02d}:{i + 1:02d}Z",
                "usage": {"inputTokens": 60 * i, "outputTokens": 40 * i},
                "cost": {"total": 0.01 * i},
                "level": "ERROR" if i % 3 == 0 else "DEFAULT",
            }
        ],
    }


@pytest.fixture
async def seeded(th: Harness) -> Harness:
    for i in range(10):
        response = await th.client.post("/api/v1/traces", json=make(i), headers=th.auth)
        assert response.status_code == 201
    return th


async def ids(th: Harness, query: str) -> list[str]:
    response = await th.client.get(f"/api/v1/traces?{query}", headers=th.auth)
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["data"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=chat", [0, 2, 4, 6, 8]),
        ("user_id=u1", [1, 4, 7]),
        ("session_id=s2", [2, 6]),
        ("status=error", [0, 3, 6, 9]),
        ("has_error=false", [1, 2, 4, 5, 7, 8]),
        ("environment=staging", [6, 7, 8, 9]),
        ("release=r1", [0, 1, 2, 3, 4]),
        ("tags=odd&tags=x", [1, 3, 5, 7, 9]),
        ("tags=even&tags=x", []),
        ("model=claude-sonnet-4-5", [1, 3, 5, 7, 9]),
        ("min_latency=3000&max_latency=5000", [2, 3, 4]),
        ("min_tokens=500&max_tokens=700", [5, 6, 7]),
        ("min_cost=0.075", [8, 9]),
        ("max_cost=0.015", [0, 1]),
        ("q=BLUE", [7]),
        ("q=number 1", [1]),
        ("from=2026-11-01T10:05:00Z&to=2026-11-01T10:07:00Z", [5, 6]),
    ],
)
async def test_filters(seeded: Harness, query: str, expected: list[int]) -> None:
    found = await ids(seeded, query)
    assert sorted(found) == [f"t{i:02d}" for i in expected]


async def test_sorts(seeded: Harness) -> None:
    assert await ids(seeded, "limit=3") == ["t09", "t08", "t07"]
    assert await ids(seeded, "limit=3&order=asc") == ["t00", "t01", "t02"]
    assert await ids(seeded, "sort=latency&limit=2") == ["t09", "t08"]
    assert await ids(seeded, "sort=tokens&order=asc&limit=2") == ["t00", "t01"]
    assert await ids(seeded, "sort=cost&limit=1") == ["t09"]


async def test_cursor_pagination_is_stable_while_data_arrives(seeded: Harness) -> None:
    first = (await seeded.client.get("/api/v1/traces?limit=4", headers=seeded.auth)).json()
    assert [t["id"] for t in first["data"]] == ["t09", "t08", "t07", "t06"]
    assert first["meta"] == {
        "total_count": 10,
        "has_more": True,
        "next_cursor": first["meta"]["next_cursor"],
    }
    # a newer trace arrives between pages; the next page continues where the first ended
    await seeded.client.post("/api/v1/traces", json=make(11), headers=seeded.auth)
    cursor = first["meta"]["next_cursor"]
    second = (
        await seeded.client.get(f"/api/v1/traces?limit=4&cursor={cursor}", headers=seeded.auth)
    ).json()
    assert [t["id"] for t in second["data"]] == ["t05", "t04", "t03", "t02"]
    third = (
        await seeded.client.get(
            f"/api/v1/traces?limit=4&cursor={second['meta']['next_cursor']}", headers=seeded.auth
        )
    ).json()
    assert [t["id"] for t in third["data"]] == ["t01", "t00"]
    assert third["meta"]["has_more"] is False
    assert third["meta"]["next_cursor"] is None


async def test_offset_pagination(seeded: Harness) -> None:
    assert await ids(seeded, "limit=2&offset=3") == ["t06", "t05"]


async def test_cursor_with_filter_and_sort(seeded: Harness) -> None:
    page = (
        await seeded.client.get("/api/v1/traces?sort=tokens&limit=3&name=chat", headers=seeded.auth)
    ).json()
    assert [t["id"] for t in page["data"]] == ["t08", "t06", "t04"]
    nxt = page["meta"]["next_cursor"]
    rest = await ids(seeded, f"sort=tokens&limit=3&name=chat&cursor={nxt}")
    assert rest == ["t02", "t00"]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "sort=size", "min_cost=-1", "cursor=%%%"]
)
async def test_bad_list_parameters(seeded: Harness, query: str) -> None:
    response = await seeded.client.get(f"/api/v1/traces?{query}", headers=seeded.auth)
    assert response.status_code in (400, 422)
    error = response.json()["error"]
    assert error["code"] in ("invalid_request", "validation_error")
    assert error["request_id"] == response.headers["x-request-id"]


async def test_observation_filters(seeded: Harness) -> None:
    response = await seeded.client.get(
        "/api/v1/observations?model=gpt-4o&level=error&limit=10", headers=seeded.auth
    )
    body = response.json()
    assert sorted(o["id"] for o in body["data"]) == ["o00", "o06"]
    typed = await seeded.client.get(
        "/api/v1/observations?type=GENERATION&limit=1", headers=seeded.auth
    )
    assert typed.json()["meta"]["total_count"] == 10
