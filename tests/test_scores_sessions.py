"""Scores (numeric, categorical, boolean; trace, observation, session), feedback, sessions."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def seed_session(th: Harness) -> None:
    for i, (start, tokens) in enumerate([("10:00", 10), ("10:05", 20), ("10:10", 30)]):
        trace = {
            "id": f"turn-{i}",
            "name": f"turn {i}",
            "sessionId": "conv-1",
            "userId": "alice",
            "timestamp": f"2026-11-01T{start}:00Z",
            "observations": [
                {
                    "id": f"g{i}",
                    "type": "generation",
                    "model": "gpt-4o-mini",
                    "startTime": f"2026-11-01T{start}:00Z",
                    "endTime": f"2026-11-01T{start}:02Z",
                    "usage": {"inputTokens": tokens, "outputTokens": tokens},
                    "level": "ERROR" if i == 1 else None,
                }
            ],
        }
        assert (
            await th.client.post("/api/v1/traces", json=trace, headers=th.auth)
        ).status_code == 201
    await th.client.post(
        "/api/v1/traces",
        json={"id": "other", "sessionId": "conv-2", "timestamp": "2026-11-01T09:00:00Z"},
        headers=th.auth,
    )


async def test_score_kinds_and_targets(th: Harness) -> None:
    await seed_session(th)
    bodies = [
        {"id": "s-num", "traceId": "turn-0", "name": "accuracy", "value": 0.9, "comment": "good"},
        {"id": "s-cat", "traceId": "turn-0", "name": "tone", "value": "friendly"},
        {"id": "s-bool", "observationId": "g1", "name": "valid_json", "value": False},
        {"id": "s-sess", "sessionId": "conv-1", "name": "resolved", "value": True},
    ]
    response = await th.client.post("/api/v1/scores", json=bodies, headers=th.auth)
    assert response.status_code == 201, response.text
    assert response.json()["ids"] == ["s-num", "s-cat", "s-bool", "s-sess"]
    listed = (await th.client.get("/api/v1/scores?limit=10", headers=th.auth)).json()
    by_id = {s["id"]: s for s in listed["data"]}
    assert by_id["s-num"]["data_type"] == "NUMERIC" and by_id["s-num"]["value"] == 0.9
    assert by_id["s-cat"]["data_type"] == "CATEGORICAL" and by_id["s-cat"]["value"] == "friendly"
    assert by_id["s-bool"]["data_type"] == "BOOLEAN" and by_id["s-bool"]["value"] is False
    assert by_id["s-bool"]["trace_id"] == "turn-1"  # resolved from the observation
    assert by_id["s-sess"]["session_id"] == "conv-1"
    filtered = (await th.client.get("/api/v1/scores?data_type=categorical", headers=th.auth)).json()
    assert [s["id"] for s in filtered["data"]] == ["s-cat"]
    trace = (await th.client.get("/api/v1/traces/turn-0", headers=th.auth)).json()
    assert {s["name"] for s in trace["scores"]} == {"accuracy", "tone"}
    # retrying a score with the same id replaces it, never duplicates
    again = {"id": "s-num", "traceId": "turn-0", "name": "accuracy", "value": 0.5}
    await th.client.post("/api/v1/scores", json=again, headers=th.auth)
    numeric = (await th.client.get("/api/v1/scores?name=accuracy", headers=th.auth)).json()
    assert numeric["meta"]["total_count"] == 1
    assert numeric["data"][0]["value"] == 0.5


@pytest.mark.parametrize(
    "body",
    [
        {"traceId": "t", "name": "x", "value": "high", "dataType": "NUMERIC"},
        {"traceId": "t", "name": "x", "value": 3, "dataType": "BOOLEAN"},
        {"traceId": "t", "name": "x", "value": 1, "dataType": "weird"},
        {"traceId": "t", "name": "", "value": 1},
        {"traceId": "t", "name": "x", "value": 1, "source": "robot"},
    ],
)
async def test_invalid_scores(th: Harness, body: dict) -> None:
    response = await th.client.post("/api/v1/scores", json=body, headers=th.auth)
    assert response.status_code == 422, response.text


async def test_feedback(th: Harness) -> None:
    await seed_session(th)
    for value, note in ((1, "great"), (-1, "wrong answer"), (1, None)):
        response = await th.client.post(
            "/api/v1/traces/turn-2/feedback",
            json={"value": value, "comment": note},
            headers=th.auth,
        )
        assert response.status_code == 201
    feedback = (await th.client.get("/api/v1/traces/turn-2/feedback", headers=th.auth)).json()
    assert feedback["summary"] == {"up": 2, "down": 1}
    assert {f["comment"] for f in feedback["data"]} == {"great", "wrong answer", None}
    assert all(f["source"] == "feedback" for f in feedback["data"])
    bad = await th.client.post("/api/v1/traces/turn-2/feedback", json={"value": 5}, headers=th.auth)
    assert bad.status_code == 422
    missing = await th.client.post(
        "/api/v1/traces/nope/feedback", json={"value": 1}, headers=th.auth
    )
    assert missing.status_code == 404


async def test_sessions(th: Harness) -> None:
    await seed_session(th)
    await th.client.post(
        "/api/v1/scores", json={"sessionId": "conv-1", "name": "csat", "value": 4}, headers=th.auth
    )
    listing = (await th.client.get("/api/v1/sessions", headers=th.auth)).json()
    assert [s["id"] for s in listing["data"]] == ["conv-1", "conv-2"]
    assert listing["meta"]["total_count"] == 2
    first = listing["data"][0]
    assert first["trace_count"] == 3
    assert first["total_tokens"] == 120
    assert first["error_count"] == 1
    assert first["duration_ms"] == 602_000.0
    page = (await th.client.get("/api/v1/sessions?limit=1", headers=th.auth)).json()
    nxt = page["meta"]["next_cursor"]
    second = (await th.client.get(f"/api/v1/sessions?limit=1&cursor={nxt}", headers=th.auth)).json()
    assert [s["id"] for s in second["data"]] == ["conv-2"]

    session = (await th.client.get("/api/v1/sessions/conv-1", headers=th.auth)).json()
    assert [t["id"] for t in session["traces"]] == ["turn-0", "turn-1", "turn-2"]
    assert session["user_ids"] == ["alice"]
    assert session["scores"][0]["name"] == "csat"
    assert (await th.client.get("/api/v1/sessions/none", headers=th.auth)).status_code == 404
    by_user = (await th.client.get("/api/v1/sessions?user_id=bob", headers=th.auth)).json()
    assert by_user["data"] == []
