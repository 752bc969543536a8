"""`GET /api/v1/traces`: the filters on what a trace holds — scores, metadata, step levels."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.test_trace_list import ids, make

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


def detailed(i: int) -> dict:
    """`make(i)` with metadata (a customer by i % 3, a count, a flag on odd ones) and a step at
    WARNING on trace 4."""
    body = make(i)
    body["metadata"] = {"customer": f"c{i % 3}", "count": i, "flag": i % 2 == 1}
    if i == 4:
        body["observations"][0]["level"] = "WARNING"
    return body


def score(i: int, name: str, value: object) -> dict:
    return {"id": f"{name}-{i}", "name": name, "value": value, "traceId": f"t{i:02d}"}


@pytest.fixture
async def detailed_traces(th: Harness) -> Harness:
    for i in range(10):
        response = await th.client.post("/api/v1/traces", json=detailed(i), headers=th.auth)
        assert response.status_code == 201, response.text
    batch = [score(i, "accuracy", i / 10) for i in range(10)]
    batch += [score(i, "verdict", "good" if i < 3 else "bad") for i in range(5)]
    batch += [score(i, "correct", i % 2 == 0) for i in range(4)]
    for body in batch:
        response = await th.client.post("/api/v1/scores", json=body, headers=th.auth)
        assert response.status_code == 201, response.text
    return th


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("score=accuracy>=0.7", [7, 8, 9]),
        ("score=accuracy<0.2", [0, 1]),
        ("score=accuracy != 0.5&score=accuracy>0.3", [4, 6, 7, 8, 9]),
        ("score=verdict=good", [0, 1, 2]),
        ("score=verdict!=good", [3, 4]),
        ("score=correct=true", [0, 2]),
        ("score=correct=false", [1, 3]),
        ("score=missing=1", []),
        ("metadata=customer:c1", [1, 4, 7]),
        ("metadata=customer", list(range(10))),
        ("metadata=count:7", [7]),
        ("metadata=flag:true&metadata=customer:c0", [3, 9]),
        ("metadata=nothing", []),
        ("level=ERROR", [0, 3, 6, 9]),
        ("level=WARNING", [4]),
        ("level=WARNING&score=accuracy>0.3", [4]),
    ],
)
async def test_detail_filters(detailed_traces: Harness, query: str, expected: list[int]) -> None:
    found = await ids(detailed_traces, query)
    assert sorted(found) == [f"t{i:02d}" for i in expected]


@pytest.mark.parametrize(
    "query", ["score=accuracy", "score=verdict>good", "score=>=1", "metadata=:x", "level=LOUD"]
)
async def test_bad_detail_filters(detailed_traces: Harness, query: str) -> None:
    response = await detailed_traces.client.get(
        f"/api/v1/traces?{query}", headers=detailed_traces.auth
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_detail_filters_stay_in_the_project(detailed_traces: Harness) -> None:
    _, other = await detailed_traces.new_project("other")
    response = await detailed_traces.client.get(
        "/api/v1/traces?score=accuracy>=0&metadata=customer&level=ERROR", headers=other
    )
    assert response.json()["data"] == []
