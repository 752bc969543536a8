"""Score values must be finite numbers: NaN and ±Infinity are refused (422), not stored as null."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.test_errors import assert_envelope

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_score_value_that_is_not_finite_is_422(th: Harness, literal: str) -> None:
    body = f'{{"traceId": "t", "name": "quality", "value": {literal}}}'
    response = await th.client.post(
        "/api/v1/scores",
        content=body.encode(),
        headers={**th.auth, "Content-Type": "application/json"},
    )
    error = assert_envelope(response, 422, "validation_error")
    assert {d["field"] for d in error["details"]} == {"value", ""}  # a score, or a list
    assert "finite" in error["details"][0]["message"]
    listed = await th.client.get("/api/v1/scores", params={"trace_id": "t"}, headers=th.auth)
    assert listed.json()["data"] == []


async def test_finite_numbers_are_still_scores(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/scores", json={"traceId": "t", "name": "quality", "value": 1e300}, headers=th.auth
    )
    assert response.status_code == 201, response.text
