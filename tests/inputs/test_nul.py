"""U+0000 in what clients send: removed from text on SQLite and PostgreSQL alike (JSON values
keep theirs), and never costs the other items of a batch."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.langfuse_api.test_public_api import event, post_batch
from tests.otlp.test_transport import JSON_HEADERS, TRACE, otlp_json, span

pytestmark = pytest.mark.anyio


async def _trace(th: Harness, trace_id: str) -> dict:  # type: ignore[type-arg]
    response = await th.client.get(f"/api/v1/traces/{trace_id}", headers=th.auth)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_langfuse_events_with_nul_are_kept_without_it(th: Harness) -> None:
    batch = [
        event("e1", "trace-create", {"id": "nul\x00-trace", "name": "na\x00me"}),
        event("e2", "trace-create", {"id": "plain-trace", "name": "plain"}),
        event(
            "e3",
            "score-create",
            {"traceId": "plain-trace", "name": "q", "value": 1, "comment": "a\x00b"},
        ),
        event("e4", "span-create", {"id": "s\x001", "traceId": "plain-trace", "name": "x\x00"}),
    ]
    body = await post_batch(th, batch)
    assert body["errors"] == []
    assert len(body["successes"]) == 4
    stripped = await _trace(th, "nul-trace")
    assert stripped["name"] == "name"
    plain = await _trace(th, "plain-trace")
    assert [(o["id"], o["name"]) for o in plain["observations"]] == [("s1", "x")]
    scores = await th.client.get(
        "/api/v1/scores", params={"trace_id": "plain-trace"}, headers=th.auth
    )
    assert [s["comment"] for s in scores.json()["data"]] == ["ab"]


async def test_a_lookup_with_nul_finds_the_row_stored_without_it(th: Harness) -> None:
    batch = [event("e1", "trace-create", {"id": "look\x00up", "name": "n"})]
    assert (await post_batch(th, batch))["errors"] == []
    assert (await _trace(th, "look%00up"))["id"] == "lookup"
    listed = await th.client.get("/api/v1/traces", params={"name": "n\x00"}, headers=th.auth)
    assert listed.status_code == 200, listed.text
    assert [t["id"] for t in listed.json()["data"]] == ["lookup"]


async def test_json_values_keep_their_nul(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/traces",
        json={"id": "json-nul", "metadata": {"k": "v\x00w"}, "input": "in\x00put"},
        headers=th.auth,
    )
    assert response.status_code == 201, response.text
    trace = await _trace(th, "json-nul")
    assert trace["metadata"] == {"k": "v\x00w"}
    assert trace["input"] == "in\x00put"


async def test_native_batch_with_nul_keeps_every_item(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/traces/batch",
        json=[{"id": "b\x001", "name": "one\x00"}, {"id": "b2", "name": "two"}],
        headers=th.auth,
    )
    assert response.status_code == 201, response.text
    assert (await _trace(th, "b1"))["name"] == "one"
    assert (await _trace(th, "b2"))["name"] == "two"


async def test_otlp_span_names_with_nul(th: Harness) -> None:
    spans = [span("eee19b7ec3c1b174", "ro\x00ot"), span("eee19b7ec3c1b175", "child")]
    response = await th.client.post(
        "/v1/traces", json=otlp_json(spans), headers={**th.auth, **JSON_HEADERS}
    )
    assert response.status_code == 200, response.text
    names = sorted(o["name"] for o in (await _trace(th, TRACE))["observations"])
    assert names == ["child", "root"]
