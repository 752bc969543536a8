"""Langfuse's public API through the ASGI app on SQLite and PostgreSQL: batch ingestion with
every event type, scores, projects, health and the read endpoints in Langfuse's shapes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langfuse.api import ObservationV2, Score, ScoreV3
from langfuse.api.core.pydantic_utilities import parse_obj_as
from tests.conftest import PUBLIC_KEY, SECRET_KEY, Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]

BASIC = {
    "Authorization": "Basic " + base64.b64encode(f"{PUBLIC_KEY}:{SECRET_KEY}".encode()).decode()
}
TRACE = "lf-trace-1"
T0 = "2026-11-20T10:00:00.000Z"
T1 = "2026-11-20T10:00:01.500Z"
T2 = "2026-11-20T10:00:02.000Z"


def event(event_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "timestamp": T0, "body": body}


def full_batch() -> list[dict[str, Any]]:
    """One of each event type, children before their parents, an update before its create."""
    return [
        event(
            "e-upd",
            "generation-update",
            {"id": "gen-1", "traceId": TRACE, "endTime": T1, "output": {"role": "assistant"}},
        ),
        event(
            "e-gen",
            "generation-create",
            {
                "id": "gen-1",
                "traceId": TRACE,
                "parentObservationId": "span-1",
                "name": "llm-call",
                "startTime": T0,
                "completionStartTime": "2026-11-20T10:00:00.400Z",
                "model": "gpt-4o-mini",
                "modelParameters": {"temperature": 0.2, "max_tokens": 64},
                "input": [{"role": "user", "content": "hi"}],
                "usageDetails": {"input": 1000, "output": 200, "input_cached_tokens": 500},
                "promptName": "qa",
                "promptVersion": 3,
            },
        ),
        event(
            "e-span",
            "span-create",
            {
                "id": "span-1",
                "traceId": TRACE,
                "name": "retrieve",
                "startTime": T0,
                "level": "warning",
            },
        ),
        event(
            "e-span-upd", "span-update", {"id": "span-1", "endTime": T2, "statusMessage": "slow"}
        ),
        event(
            "e-trace",
            "trace-create",
            {
                "id": TRACE,
                "timestamp": T0,
                "name": "handle-request",
                "userId": "u-1",
                "sessionId": "s-1",
                "tags": ["prod", "beta"],
                "metadata": {"tenant": "acme"},
                "input": {"question": "hi"},
                "release": "1.2.3",
                "environment": "staging",
            },
        ),
        event(
            "e-event",
            "event-create",
            {"id": "ev-1", "traceId": TRACE, "name": "cache-hit", "startTime": T1},
        ),
        event(
            "e-tool",
            "tool-create",
            {"id": "tool-1", "traceId": TRACE, "name": "search", "startTime": T0},
        ),
        event("e-agent", "agent-create", {"id": "agent-1", "traceId": TRACE, "name": "planner"}),
        event(
            "e-obs",
            "observation-create",
            {
                "id": "obs-1",
                "traceId": TRACE,
                "type": "GENERATION",
                "model": "gpt-4o",
                "usage": {"promptTokens": 10, "completionTokens": 5},
            },
        ),
        event(
            "e-emb",
            "embedding-create",
            {
                "id": "emb-1",
                "traceId": TRACE,
                "model": "text-embedding-3-small",
                "usageDetails": {"prompt_tokens": 8, "total_tokens": 8},
            },
        ),
        event(
            "e-score",
            "score-create",
            {"id": "sc-1", "traceId": TRACE, "name": "quality", "value": 0.9},
        ),
        event("e-log", "sdk-log", {"log": {"message": "hello from the sdk"}}),
    ]


async def post_batch(
    th: Harness, batch: list[dict[str, Any]], headers: dict[str, str] = BASIC
) -> Any:
    response = await th.client.post("/api/public/ingestion", json={"batch": batch}, headers=headers)
    assert response.status_code == 207, response.text
    return response.json()


async def test_every_event_type_is_accepted_and_stored(th: Harness) -> None:
    body = await post_batch(th, full_batch())
    assert body["errors"] == []
    assert {s["id"] for s in body["successes"]} == {e["id"] for e in full_batch()}
    assert all(s["status"] == 201 for s in body["successes"])

    trace = (await th.client.get(f"/api/public/traces/{TRACE}", headers=BASIC)).json()
    assert trace["name"] == "handle-request"
    assert (trace["userId"], trace["sessionId"], trace["release"]) == ("u-1", "s-1", "1.2.3")
    assert sorted(trace["tags"]) == ["beta", "prod"] and trace["metadata"] == {"tenant": "acme"}
    assert trace["environment"] == "staging" and trace["input"] == {"question": "hi"}
    assert trace["htmlPath"].endswith(f"/traces/{TRACE}")
    by_id = {o["id"]: o for o in trace["observations"]}
    assert {o["type"] for o in by_id.values()} >= {
        "GENERATION",
        "SPAN",
        "EVENT",
        "TOOL",
        "AGENT",
        "EMBEDDING",
    }

    gen = by_id["gen-1"]
    assert gen["parentObservationId"] == "span-1" and gen["name"] == "llm-call"
    assert gen["output"] == {"role": "assistant"}  # the update that came first was kept
    assert gen["endTime"].startswith("2026-11-20T10:00:01.5")
    assert gen["timeToFirstToken"] == pytest.approx(0.4)
    assert gen["latency"] == pytest.approx(1.5)
    assert gen["modelParameters"] == {"temperature": "0.2", "max_tokens": "64"}  # strings
    assert gen["usageDetails"] == {
        "input": 1000,
        "output": 200,
        "input_cached_tokens": 500,
        "total": 1700,
    }
    assert gen["usage"]["input"] == 1500 and gen["usage"]["output"] == 200
    assert (gen["promptName"], gen["promptVersion"]) == ("qa", 3)
    # gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output
    assert gen["calculatedTotalCost"] == pytest.approx(
        (1000 * 0.15 + 500 * 0.075 + 200 * 0.6) / 1e6
    )

    span = by_id["span-1"]
    assert (span["level"], span["statusMessage"]) == ("WARNING", "slow")
    assert span["endTime"].startswith("2026-11-20T10:00:02")
    assert by_id["ev-1"]["startTime"] == by_id["ev-1"]["endTime"]
    assert by_id["obs-1"]["usage"]["input"] == 10 and by_id["obs-1"]["usage"]["output"] == 5
    assert by_id["emb-1"]["usage"]["input"] == 8
    assert [s["name"] for s in trace["scores"]] == ["quality"]
    parse_obj_as(list[Score], trace["scores"])
    assert trace["totalCost"] > 0 and trace["latency"] > 0


async def test_bad_events_fail_alone_and_the_rest_is_committed(th: Harness) -> None:
    batch = [
        event("ok-1", "trace-create", {"id": "t-ok", "name": "fine"}),
        event("bad-type", "nonsense-create", {"id": "x"}),
        event("bad-level", "span-create", {"id": "s1", "traceId": "t-ok", "level": "LOUD"}),
        event("bad-update", "span-update", {"name": "no id"}),
        event("orphan", "span-update", {"id": "never-created", "endTime": T1}),
        {"type": "trace-create", "body": {"id": "no-envelope-id"}},
        event("bad-score", "score-create", {"name": "q", "value": 1}),
    ]
    body = await post_batch(th, batch)
    assert [s["id"] for s in body["successes"]] == ["ok-1"]
    errors = {e["id"]: e for e in body["errors"]}
    assert set(errors) == {"bad-type", "bad-level", "bad-update", "orphan", None, "bad-score"}
    assert errors["orphan"]["status"] == 404
    assert all(e["status"] == 400 for k, e in errors.items() if k != "orphan")
    assert all(e["message"] for e in body["errors"])
    stored = await th.client.get("/api/public/traces/t-ok", headers=BASIC)
    assert stored.status_code == 200 and stored.json()["name"] == "fine"


async def test_malformed_top_level_is_400_with_a_message(th: Harness) -> None:
    for payload in ({"batch": "nope"}, [1, 2], {"events": []}):
        response = await th.client.post("/api/public/ingestion", json=payload, headers=BASIC)
        assert response.status_code == 400
        assert response.json()["message"] == "Invalid request data"
        assert response.json()["error"]["code"] == "invalid_request"
    response = await th.client.post(
        "/api/public/ingestion",
        content=b"{not json",
        headers={**BASIC, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "message" in response.json()


async def test_retried_batches_do_not_duplicate(th: Harness) -> None:
    for _ in range(3):
        await post_batch(th, full_batch())
    observations = (
        await th.client.get("/api/public/observations", params={"traceId": TRACE}, headers=BASIC)
    ).json()
    assert observations["meta"]["totalItems"] == len(
        {o for o in ("gen-1", "span-1", "ev-1", "tool-1", "agent-1", "obs-1", "emb-1")}
    )
    scores = (
        await th.client.get("/api/public/v2/scores", params={"traceId": TRACE}, headers=BASIC)
    ).json()
    assert scores["meta"]["totalItems"] == 1


async def test_update_later_in_another_request_finds_its_trace(th: Harness) -> None:
    await post_batch(
        th, [event("c", "span-create", {"id": "late", "traceId": "t-late", "startTime": T0})]
    )
    body = await post_batch(
        th, [event("u", "span-update", {"id": "late", "endTime": T2, "output": "done"})]
    )
    assert body["errors"] == []
    obs = (await th.client.get("/api/public/observations/late", headers=BASIC)).json()
    assert (obs["traceId"], obs["output"]) == ("t-late", "done")
    assert obs["latency"] == pytest.approx(2.0)


async def test_scores_endpoint_object_array_and_partial(th: Harness) -> None:
    await post_batch(th, full_batch())
    single = await th.client.post(
        "/api/public/scores", json={"traceId": TRACE, "name": "legacy", "value": 3}, headers=BASIC
    )
    assert single.status_code == 200 and single.json()["id"]
    nameless = await th.client.post(
        "/api/public/scores", json={"traceId": TRACE, "value": 1}, headers=BASIC
    )
    assert nameless.status_code == 400 and nameless.json()["message"] == "Invalid request data"
    assert nameless.json()["error"]["details"][0]["field"] == "name"
    array = [
        {
            "id": "s-num",
            "traceId": TRACE,
            "observationId": "gen-1",
            "name": "correct",
            "value": 1.0,
            "dataType": "NUMERIC",
        },
        {"id": "s-cat", "traceId": TRACE, "name": "tone", "value": "polite"},
        {
            "id": "s-bool",
            "observationId": "gen-1",
            "name": "ok",
            "value": 1.0,
            "dataType": "BOOLEAN",
        },
        {"id": "s-sess", "sessionId": "s-1", "name": "csat", "value": 4.0},
        {
            "id": "s-text",
            "traceId": TRACE,
            "name": "note",
            "value": "good answer",
            "dataType": "TEXT",
        },
    ]
    accepted = await th.client.post("/api/public/scores", json=array, headers=BASIC)
    assert accepted.status_code == 202 and accepted.json() == {"message": "Accepted"}
    mixed = await th.client.post(
        "/api/public/scores",
        json=[
            {"traceId": TRACE, "name": "x", "value": 2},
            {"name": "no-target", "value": 1},
            {"traceId": TRACE, "name": "b", "value": 5, "dataType": "BOOLEAN"},
        ],
        headers=BASIC,
    )
    assert mixed.status_code == 207
    assert (mixed.json()["accepted"], mixed.json()["rejected"]) == (1, 2)
    assert all(e["message"] for e in mixed.json()["errors"])

    v2 = (await th.client.get("/api/public/v2/scores", params={"limit": 100}, headers=BASIC)).json()
    parse_obj_as(list[Score], v2["data"])
    names = {s["name"] for s in v2["data"]}
    assert {"legacy", "correct", "tone", "ok", "csat", "note", "x", "quality"} == names
    boolean = next(s for s in v2["data"] if s["id"] == "s-bool")
    assert boolean["traceId"] == TRACE  # taken from the observation
    v3 = (await th.client.get("/api/public/v3/scores", params={"limit": 3}, headers=BASIC)).json()
    assert len(v3["data"]) == 3 and v3["meta"]["cursor"] and v3["meta"]["limit"] == 3
    rest = (
        await th.client.get(
            "/api/public/v3/scores",
            params={"limit": 100, "cursor": v3["meta"]["cursor"]},
            headers=BASIC,
        )
    ).json()
    everything = parse_obj_as(list[ScoreV3], v3["data"] + rest["data"])
    assert len(everything) == 8 and "cursor" not in rest["meta"]
    typed = {s["id"]: s for s in v3["data"] + rest["data"]}
    assert typed["s-bool"]["value"] is True and typed["s-cat"]["value"] == "polite"
    assert typed["s-sess"]["subject"] == {"kind": "session", "id": "s-1"}
    assert typed["s-num"]["subject"]["kind"] == "observation"
    cats = (
        await th.client.get(
            "/api/public/v3/scores", params={"dataType": "CATEGORICAL,TEXT"}, headers=BASIC
        )
    ).json()
    assert {s["id"] for s in cats["data"]} == {"s-cat", "s-text"}
    deleted = await th.client.delete("/api/public/scores/s-cat", headers=BASIC)
    assert deleted.status_code == 204
    assert (await th.client.delete("/api/public/scores/s-cat", headers=BASIC)).status_code == 404


async def test_trace_list_pages_filters_and_fields(th: Harness) -> None:
    batch = [
        event(
            f"t{i}",
            "trace-create",
            {
                "id": f"t-{i}",
                "name": "even" if i % 2 == 0 else "odd",
                "userId": f"u{i % 3}",
                "timestamp": f"2026-11-20T10:00:0{i}Z",
                "tags": ["a"] if i < 3 else ["b"],
                "input": {"i": i},
            },
        )
        for i in range(7)
    ]
    await post_batch(th, batch)
    page1 = (await th.client.get("/api/public/traces", params={"limit": 3}, headers=BASIC)).json()
    assert page1["meta"] == {"page": 1, "limit": 3, "totalItems": 7, "totalPages": 3}
    assert [t["id"] for t in page1["data"]] == ["t-6", "t-5", "t-4"]
    page3 = (
        await th.client.get("/api/public/traces", params={"limit": 3, "page": 3}, headers=BASIC)
    ).json()
    assert [t["id"] for t in page3["data"]] == ["t-0"]
    evens = (
        await th.client.get(
            "/api/public/traces", params={"name": "even", "orderBy": "timestamp.asc"}, headers=BASIC
        )
    ).json()
    assert [t["id"] for t in evens["data"]] == ["t-0", "t-2", "t-4", "t-6"]
    tagged = (
        await th.client.get(
            "/api/public/traces", params={"tags": "a", "userId": "u1"}, headers=BASIC
        )
    ).json()
    assert [t["id"] for t in tagged["data"]] == ["t-1"]
    window = (
        await th.client.get(
            "/api/public/traces",
            params={"fromTimestamp": "2026-11-20T10:00:02Z", "toTimestamp": "2026-11-20T10:00:04Z"},
            headers=BASIC,
        )
    ).json()
    assert {t["id"] for t in window["data"]} == {"t-2", "t-3"}
    slim = (
        await th.client.get(
            "/api/public/traces", params={"fields": "core", "limit": 1}, headers=BASIC
        )
    ).json()
    assert slim["data"][0]["input"] is None and slim["data"][0]["latency"] == -1
    bad = await th.client.get(
        "/api/public/traces", params={"orderBy": "cost.sideways"}, headers=BASIC
    )
    assert bad.status_code == 400 and "orderBy" in bad.json()["message"]


async def test_observations_v2_cursor_and_field_groups(th: Harness) -> None:
    await post_batch(th, full_batch())
    first = (
        await th.client.get(
            "/api/public/v2/observations", params={"traceId": TRACE, "limit": 4}, headers=BASIC
        )
    ).json()
    assert len(first["data"]) == 4 and first["meta"]["cursor"]
    assert set(first["data"][0]) <= {
        "id",
        "traceId",
        "startTime",
        "endTime",
        "projectId",
        "parentObservationId",
        "type",
        "name",
        "level",
        "statusMessage",
        "version",
        "environment",
        "bookmarked",
        "public",
        "userId",
        "sessionId",
        "isRootObservation",
    }
    second = (
        await th.client.get(
            "/api/public/v2/observations",
            params={"traceId": TRACE, "limit": 4, "cursor": first["meta"]["cursor"]},
            headers=BASIC,
        )
    ).json()
    ids = [o["id"] for o in first["data"] + second["data"]]
    assert len(ids) == len(set(ids)) == 7 and "cursor" not in second["meta"]
    gens = (
        await th.client.get(
            "/api/public/v2/observations",
            params={
                "type": "GENERATION",
                "fields": "core,basic,io,usage,model,trace_context",
                "userId": "u-1",
            },
            headers=BASIC,
        )
    ).json()
    parsed = parse_obj_as(list[ObservationV2], gens["data"])
    assert {o.id for o in parsed} == {"gen-1", "obs-1"}
    gen = next(o for o in gens["data"] if o["id"] == "gen-1")
    assert gen["input"] == '[{"role":"user","content":"hi"}]'  # raw JSON text, as Langfuse v2
    assert gen["userId"] == "u-1" and gen["traceName"] == "handle-request" and gen["totalCost"] > 0
    assert gen["model"] == "gpt-4o-mini"
    bad = await th.client.get(
        "/api/public/v2/observations", params={"fields": "core,everything"}, headers=BASIC
    )
    assert bad.status_code == 400


async def test_sessions_projects_health_and_deletes(th: Harness) -> None:
    await post_batch(th, full_batch())
    await post_batch(
        th, [event("t2", "trace-create", {"id": "t-2nd", "sessionId": "s-1", "timestamp": T2})]
    )
    sessions = (await th.client.get("/api/public/sessions", headers=BASIC)).json()
    assert [s["id"] for s in sessions["data"]] == ["s-1"] and sessions["meta"]["totalItems"] == 1
    one = (await th.client.get("/api/public/sessions/s-1", headers=BASIC)).json()
    assert [t["id"] for t in one["traces"]] == [TRACE, "t-2nd"]
    assert (await th.client.get("/api/public/sessions/nope", headers=BASIC)).status_code == 404

    projects = (await th.client.get("/api/public/projects", headers=BASIC)).json()["data"]
    assert len(projects) == 1 and projects[0]["organization"]["name"] == "Acme"
    assert projects[0]["name"] == "main" and projects[0]["metadata"] == {}
    health = await th.client.get("/api/public/health")
    assert (
        health.status_code == 200 and health.json()["status"] == "OK" and health.json()["version"]
    )

    assert (await th.client.delete(f"/api/public/traces/{TRACE}", headers=BASIC)).json()["message"]
    assert (await th.client.get(f"/api/public/traces/{TRACE}", headers=BASIC)).status_code == 404
    assert (await th.client.get("/api/public/observations/gen-1", headers=BASIC)).status_code == 404
    response = await th.client.request(
        "DELETE", "/api/public/traces", json={"traceIds": ["t-2nd", "unknown"]}, headers=BASIC
    )
    assert response.status_code == 200
    assert (await th.client.get("/api/public/traces", headers=BASIC)).json()["data"] == []


async def test_project_isolation_and_auth(th: Harness) -> None:
    await post_batch(th, full_batch())
    _, other = await th.new_project("other")
    assert (await th.client.get(f"/api/public/traces/{TRACE}", headers=other)).status_code == 404
    assert (await th.client.get("/api/public/observations/gen-1", headers=other)).status_code == 404
    assert (await th.client.get("/api/public/traces", headers=other)).json()["data"] == []
    assert (await th.client.get("/api/public/v3/scores", headers=other)).json()["data"] == []
    assert (await th.client.delete(f"/api/public/traces/{TRACE}", headers=other)).status_code == 404
    assert (await th.client.get(f"/api/public/traces/{TRACE}", headers=BASIC)).status_code == 200
    # an update from another project cannot reach this project's observation
    body = await post_batch(
        th, [event("x", "span-update", {"id": "span-1", "name": "hijack"})], headers=other
    )
    assert body["errors"][0]["status"] == 404
    unauthorized = await th.client.post("/api/public/ingestion", json={"batch": []})
    assert unauthorized.status_code == 401 and unauthorized.json()["message"]
    wrong_pair = {
        "Authorization": "Basic " + base64.b64encode(f"pk-other:{SECRET_KEY}".encode()).decode()
    }
    assert (await th.client.get("/api/public/projects", headers=wrong_pair)).status_code == 401
