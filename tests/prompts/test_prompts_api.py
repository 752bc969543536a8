"""Prompt management over HTTP on SQLite and PostgreSQL: versions, labels, tags, lookup,
compilation, deletion, project scoping and per-version metrics from linked generations."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness

from tracehouse.prompts import compose

pytestmark = pytest.mark.anyio

CHAT = [
    {"role": "system", "content": "You are a {{ persona }}."},
    {"type": "placeholder", "name": "history"},
    {"role": "user", "content": "{{question}}"},
]


async def create(th: Harness, **body: Any) -> dict[str, Any]:
    response = await th.client.post("/api/v1/prompts", json=body, headers=th.auth)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def get(th: Harness, path: str, **params: Any) -> Any:
    response = await th.client.get(f"/api/v1/prompts{path}", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_versions_labels_and_tags(th: Harness) -> None:
    first = await create(
        th,
        name="qa",
        prompt="Answer {{question}}",
        config={"model": "gpt-4o-mini", "temperature": 0.2},
        labels=["production"],
        tags=["support"],
        commitMessage="first",
        author="ana",
    )
    assert (first["version"], first["type"]) == (1, "text")
    assert first["labels"] == ["production", "latest"]
    assert first["config"] == {"model": "gpt-4o-mini", "temperature": 0.2}
    assert (first["commit_message"], first["author"]) == ("first", "ana")

    response = await th.client.post(
        "/api/v1/prompts/qa/versions", json={"prompt": "Reply to {{question}}"}, headers=th.auth
    )
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["version"] == 2 and second["labels"] == ["latest"]
    assert second["tags"] == ["support"]  # omitted tags are kept
    assert second["author"]  # without an author, the key's name (or public key) stands in

    assert (await get(th, "/qa"))["version"] == 1  # production
    assert (await get(th, "/qa", label="latest"))["version"] == 2
    assert (await get(th, "/qa", version=1))["prompt"] == "Answer {{question}}"

    moved = await th.client.put(
        "/api/v1/prompts/qa/labels/production", json={"version": 2}, headers=th.auth
    )
    assert moved.status_code == 200 and moved.json()["labels"] == ["latest", "production"]
    assert (await get(th, "/qa", version=1))["labels"] == []
    patched = await th.client.patch(
        "/api/v1/prompts/qa/versions/1", json={"labels": ["staging"]}, headers=th.auth
    )
    assert patched.json()["labels"] == ["staging"]
    versions = (await get(th, "/qa/versions"))["data"]
    assert [(v["version"], v["labels"]) for v in versions] == [
        (2, ["latest", "production"]),
        (1, ["staging"]),
    ]
    third = await create(th, name="qa", prompt="v3", tags=["a", "b"])
    assert third["version"] == 3 and third["tags"] == ["a", "b"]
    assert (await get(th, "/qa", version=1))["tags"] == ["a", "b"]  # tags belong to the prompt


async def test_label_rules_and_errors(th: Harness) -> None:
    await create(th, name="p", prompt="x")
    # No production label: the native API falls back to latest.
    assert (await get(th, "/p"))["version"] == 1
    cases = [
        ("patch", "/api/v1/prompts/p/versions/1", {"labels": ["latest"]}, 400),
        ("patch", "/api/v1/prompts/p/versions/9", {"labels": ["prod"]}, 404),
        ("patch", "/api/v1/prompts/p/versions/1", {"labels": ["bad label"]}, 422),
        ("post", "/api/v1/prompts", {"name": "p", "type": "chat", "prompt": CHAT}, 400),
        ("post", "/api/v1/prompts", {"name": "c", "type": "chat", "prompt": "text"}, 422),
        ("post", "/api/v1/prompts", {"name": "c", "type": "chat", "prompt": [{"x": 1}]}, 422),
        ("post", "/api/v1/prompts", {"name": "t", "prompt": [{"role": "u", "content": ""}]}, 422),
        ("post", "/api/v1/prompts", {"name": "f/versions", "prompt": "x"}, 422),
        ("post", "/api/v1/prompts", {"name": "f//g", "prompt": "x"}, 422),
        ("delete", "/api/v1/prompts/p/labels/latest", None, 400),
        ("delete", "/api/v1/prompts/p/labels/nope", None, 404),
    ]
    for method, path, body, status in cases:
        kwargs: dict[str, Any] = {"headers": th.auth}
        if body is not None:
            kwargs["json"] = body
        response = await th.client.request(method.upper(), path, **kwargs)
        assert response.status_code == status, (path, body, response.text)
        assert "error" in response.json()
    missing = await th.client.get("/api/v1/prompts/p", params={"label": "gone"}, headers=th.auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Prompt not found: 'p' with label 'gone'"


async def test_compile_text_and_chat(th: Harness) -> None:
    await create(th, name="folder/qa", prompt="Hi {{name}}, {{ question }} {{name}}")
    response = await th.client.post(
        "/api/v1/prompts/folder/qa/compile",
        json={"variables": {"name": "Ana", "question": {"q": 1}, "extra": 1}},
        headers=th.auth,
    )
    assert response.status_code == 200, response.text
    assert response.json()["compiled"] == 'Hi Ana, {"q":1} Ana'
    missing = await th.client.post(
        "/api/v1/prompts/folder/qa/compile", json={"variables": {}}, headers=th.auth
    )
    assert missing.status_code == 422
    error = missing.json()["error"]
    assert error["message"] == "Missing variables name, question."
    assert [d["field"] for d in error["details"]] == ["variables.name", "variables.question"]

    await create(th, name="chat", type="chat", prompt=CHAT, config={"model": "gpt-4o"})
    history = [
        {"role": "user", "content": "hi {{literal}}"},
        {"role": "assistant", "content": "yo"},
    ]
    body = {
        "variables": {"persona": "pirate", "question": "why?"},
        "placeholders": {"history": history},
    }
    done = await th.client.post("/api/v1/prompts/chat/compile", json=body, headers=th.auth)
    assert done.status_code == 200, done.text
    assert done.json()["compiled"] == [
        {"role": "system", "content": "You are a pirate."},
        *history,
        {"role": "user", "content": "why?"},
    ]
    assert done.json()["config"] == {"model": "gpt-4o"}
    no_slot = await th.client.post(
        "/api/v1/prompts/chat/compile",
        json={"variables": {"persona": "p", "question": "q"}},
        headers=th.auth,
    )
    assert no_slot.status_code == 422
    assert no_slot.json()["error"]["details"] == [
        {"field": "placeholders.history", "message": "missing"}
    ]


async def test_list_delete_and_scoping(th: Harness) -> None:
    await create(th, name="a", prompt="1", tags=["x"], labels=["production"])
    await create(th, name="a", prompt="2")
    await create(th, name="b", prompt="1", tags=["y"])
    listed = await get(th, "")
    assert [p["name"] for p in listed["data"]] == ["b", "a"]
    a = listed["data"][1]
    assert a["versions"] == [1, 2] and a["labels"] == ["latest", "production"]
    assert [p["name"] for p in (await get(th, "", tag="x"))["data"]] == ["a"]
    assert [p["name"] for p in (await get(th, "", label="production"))["data"]] == ["a"]
    page = await get(th, "", limit=1)
    assert page["meta"]["has_more"] and page["meta"]["total_count"] == 2
    rest = await get(th, "", limit=1, cursor=page["meta"]["next_cursor"])
    assert [p["name"] for p in rest["data"]] == ["a"]

    _, other = await th.new_project("other")
    assert (await th.client.get("/api/v1/prompts/a", headers=other)).status_code == 404
    assert (await th.client.get("/api/v1/prompts", headers=other)).json()["data"] == []
    assert (await th.client.delete("/api/v1/prompts/a", headers=other)).status_code == 404
    mine = await th.client.post("/api/v1/prompts", json={"name": "a", "prompt": "o"}, headers=other)
    assert mine.json()["version"] == 1  # names are per project

    deleted = await th.client.delete("/api/v1/prompts/a?version=2", headers=th.auth)
    assert deleted.status_code == 204
    assert (await get(th, "/a", label="latest"))["version"] == 1  # latest moved back
    again = await create(th, name="a", prompt="3")
    assert again["version"] == 3  # numbers are never reused
    assert (await th.client.delete("/api/v1/prompts/a", headers=th.auth)).status_code == 204
    assert (await th.client.get("/api/v1/prompts/a", headers=th.auth)).status_code == 404


async def test_metrics_per_version(th: Harness) -> None:
    await create(th, name="qa", prompt="v1")
    await create(th, name="qa", prompt="v2")
    for i, version in enumerate([1, 1, 2]):
        trace = {
            "id": f"t{i}",
            "timestamp": "2026-11-01T10:00:00Z",
            "observations": [
                {
                    "id": f"g{i}",
                    "type": "generation",
                    "model": "gpt-4o-mini",
                    "startTime": "2026-11-01T10:00:00Z",
                    "endTime": f"2026-11-01T10:00:0{i + 1}Z",
                    "usage": {"inputTokens": 100, "outputTokens": 10},
                    "cost": {"total": 0.5},
                    "promptName": "qa",
                    "promptVersion": version,
                }
            ],
        }
        response = await th.client.post("/api/v1/traces", json=trace, headers=th.auth)
        assert response.status_code == 201, response.text
    scores = [
        {"traceId": "t0", "name": "quality", "value": 1.0},
        {"traceId": "t1", "observationId": "g1", "name": "quality", "value": 0.0},
        {"traceId": "t2", "name": "quality", "value": 0.5},
    ]
    assert (await th.client.post("/api/v1/scores", json=scores, headers=th.auth)).status_code == 201
    body = await get(th, "/qa/metrics")
    v2, v1 = body["versions"]
    assert (v1["version"], v1["generations"], v1["traces"]) == (1, 2, 2)
    assert v1["avg_latency_ms"] == pytest.approx(1500.0)
    assert v1["total_cost"] == pytest.approx(1.0) and v1["input_tokens"] == 200
    assert v1["scores"] == {"quality": {"avg": pytest.approx(0.5), "count": 2}}
    assert (v2["generations"], v2["scores"]["quality"]["avg"]) == (1, pytest.approx(0.5))


async def test_openapi_lists_prompt_and_dataset_endpoints(th: Harness) -> None:
    paths = (await th.client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/prompts",
        "/api/v1/prompts/{name}/compile",
        "/api/v1/prompts/{name}/metrics",
        "/api/v1/datasets/{name}/items/upload",
        "/api/v1/datasets/{name}/runs/compare",
        "/api/public/v2/prompts/{name}",
        "/api/public/dataset-items",
        "/api/public/dataset-run-items",
    ):
        assert path in paths, path


async def test_prompt_links_from_langfuse_events_and_otel(th: Harness) -> None:
    """Generations name their prompt version through Langfuse batch events and OTel
    attributes (the SDK's OTel attributes are covered by test_langfuse_prompts.py)."""
    await create(th, name="linked", prompt="v1")
    await create(th, name="linked", prompt="v2")
    event = {
        "id": "ev-1",
        "type": "generation-create",
        "timestamp": "2026-11-01T10:00:00Z",
        "body": {
            "id": "lf-gen",
            "traceId": "lf-trace",
            "startTime": "2026-11-01T10:00:00Z",
            "endTime": "2026-11-01T10:00:01Z",
            "promptName": "linked",
            "promptVersion": 1,
        },
    }
    done = await th.client.post("/api/public/ingestion", json={"batch": [event]}, headers=th.auth)
    assert done.status_code == 207 and not done.json()["errors"], done.text
    attributes = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
        {"key": "gen_ai.prompt.name", "value": {"stringValue": "linked"}},
        {"key": "gen_ai.prompt.version", "value": {"intValue": "2"}},
    ]
    span = {
        "traceId": "7" * 32,
        "spanId": "7" * 16,
        "name": "chat gpt-4o",
        "kind": 3,
        "startTimeUnixNano": "1762000000000000000",
        "endTimeUnixNano": "1762000000500000000",
        "attributes": attributes,
    }
    body = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [span]}]}]}
    sent = await th.client.post("/v1/traces", json=body, headers=th.auth)
    assert sent.status_code == 200, sent.text
    versions = {m["version"]: m for m in (await get(th, "/linked/metrics"))["versions"]}
    assert (versions[1]["generations"], versions[2]["generations"]) == (1, 1)
    assert versions[2]["avg_latency_ms"] == pytest.approx(500.0)


async def test_prompt_references_are_resolved(th: Harness) -> None:
    await create(th, name="shared/tone", prompt="Be kind.", labels=["production"])
    await create(th, name="shared/tone", prompt="Be brief.")
    ref = "@@@langfusePrompt:name=shared/tone|label=production@@@"
    await create(th, name="answer", prompt=f"{ref} Answer {{{{q}}}}", labels=["production"])
    await create(
        th,
        name="chat-ref",
        type="chat",
        prompt=[{"role": "system", "content": "@@@langfusePrompt:name=shared/tone|version=2@@@"}],
    )
    assert (await get(th, "/answer"))["prompt"] == "Be kind. Answer {{q}}"
    assert (await get(th, "/answer", resolve=False))["prompt"] == f"{ref} Answer {{{{q}}}}"
    assert (await get(th, "/chat-ref"))["prompt"][0]["content"] == "Be brief."
    compiled = await th.client.post(
        "/api/v1/prompts/answer/compile", json={"variables": {"q": "why"}}, headers=th.auth
    )
    assert compiled.json()["compiled"] == "Be kind. Answer why"
    public = await th.client.get("/api/public/v2/prompts/answer", headers=th.auth)
    assert public.json()["prompt"] == "Be kind. Answer {{q}}"

    await create(th, name="loop", prompt="@@@langfusePrompt:name=loop|label=latest@@@")
    looped = await th.client.get("/api/v1/prompts/loop", headers=th.auth)
    assert looped.status_code == 400 and "loop" in looped.json()["error"]["message"]
    await create(th, name="dangling", prompt="@@@langfusePrompt:name=nope|label=production@@@")
    dangling = await th.client.get("/api/v1/prompts/dangling", headers=th.auth)
    assert dangling.status_code == 400
    assert dangling.json()["error"]["message"] == (
        "Referenced prompt not found: 'nope' with label 'production'."
    )
    raw = await th.client.get("/api/v1/prompts/dangling?resolve=false", headers=th.auth)
    assert raw.status_code == 200


def test_reference_detection_skips_placeholders() -> None:
    chat = [{"type": "placeholder", "name": "h"}, {"role": "user", "content": "hi"}]
    assert not compose.has_references(chat)
    assert compose.has_references([*chat, {"role": "user", "content": "@@@langfusePrompt:x"}])
