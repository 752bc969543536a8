"""`/api/v1/playground` on SQLite and PostgreSQL: streamed runs against the local OpenAI and
Anthropic servers, several models side by side, runs recorded as traces tagged `playground`,
saved prompt versions, drafts, and the bad input that writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests import fake_anthropic, fake_openai
from tests.conftest import Harness

RUNS = "/api/v1/playground/runs"
MESSAGES = [
    {"role": "system", "content": "Answer in one sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]


@pytest.fixture
def scripts(llm: str, fake_anthropic_url: str) -> dict[str, str]:
    return {"openai": llm, "anthropic": fake_anthropic_url}


async def credential(th: Harness, name: str, kind: str, url: str, **extra: Any) -> None:
    body = {"name": name, "kind": kind, "apiKey": f"sk-{name}-key-0001", "baseUrl": url, **extra}
    response = await th.client.post("/api/v1/providers", json=body, headers=th.auth)
    assert response.status_code == 201, response.text


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The server-sent events of a streamed answer."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


async def traces(th: Harness, **params: Any) -> list[dict[str, Any]]:
    response = await th.client.get("/api/v1/traces", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_streamed_run_is_traced(th: Harness, scripts: dict[str, str], kind: str) -> None:
    await credential(th, "main", kind, scripts[kind])
    model = "gpt-4o-mini" if kind == "openai" else "claude-3-5-haiku-latest"
    body = {"messages": MESSAGES, "targets": [{"model": model}], "params": {"temperature": 0.2}}
    response = await th.client.post(RUNS, json=body, headers=th.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    got = events(response.text)
    kinds = [k for k, _ in got]
    assert kinds[0] == "start" and kinds[-2:] == ["run", "done"]
    deltas = [d["text"] for k, d in got if k == "delta"]
    assert len(deltas) > 3 and "".join(deltas) == fake_openai.ANSWER
    run = got[-1][1]["runs"][0]
    assert run["text"] == fake_openai.ANSWER and run["error"] is None
    fake = fake_openai if kind == "openai" else fake_anthropic
    # Anthropic counts cache reads apart; Tracehouse's input tokens include them
    anthropic_tokens = fake_anthropic.INPUT_TOKENS + fake_anthropic.CACHE_READ_TOKENS
    tokens = fake_openai.PROMPT_TOKENS if kind == "openai" else anthropic_tokens
    assert run["usage"]["input_tokens"] == tokens
    assert run["cost"] is not None and run["cost"] > 0
    assert run["time_to_first_token_ms"] is not None
    sent = fake.SCRIPT.requests[-1]
    assert sent["stream"] is True and sent["temperature"] == 0.2
    stored = await th.client.get(f"/api/v1/traces/{run['trace_id']}", headers=th.auth)
    trace = stored.json()
    assert trace["tags"] == ["playground"] and trace["output"] == fake_openai.ANSWER
    generation = trace["observations"][0]
    assert generation["model"] == model and generation["provider"] == kind
    assert generation["usage"]["input_tokens"] == tokens
    assert generation["cost"]["total"] == pytest.approx(run["cost"])


@pytest.mark.anyio
async def test_multi_model_run_side_by_side(th: Harness, scripts: dict[str, str]) -> None:
    await credential(th, "oa", "openai", scripts["openai"])
    await credential(th, "an", "anthropic", scripts["anthropic"])
    targets = [
        {"provider": "oa", "model": "gpt-4o-mini"},
        {"provider": "anthropic", "model": "claude-3-5-haiku-latest"},
        {"provider": "oa", "model": "gpt-4o"},
    ]
    body = {"messages": MESSAGES, "targets": targets, "source": {"promptName": "capitals"}}
    response = await th.client.post(RUNS, json=body, headers=th.auth)
    got = events(response.text)
    assert {d["index"] for k, d in got if k == "delta"} == {0, 1, 2}
    done = got[-1][1]
    assert [r["model"] for r in done["runs"]] == [t["model"] for t in targets]
    assert [r["provider"] for r in done["runs"]] == ["oa", "an", "oa"]
    assert all(r["text"] == fake_openai.ANSWER for r in done["runs"])
    stored = await traces(th, tags="playground")
    assert {t["id"] for t in stored} == {r["trace_id"] for r in done["runs"]}
    one = (await th.client.get(f"/api/v1/traces/{stored[0]['id']}", headers=th.auth)).json()
    assert one["metadata"]["playground"]["run_id"] == done["run_id"]
    assert one["metadata"]["playground"]["source"] == {"prompt_name": "capitals"}


@pytest.mark.anyio
async def test_run_without_streaming_and_tools(th: Harness, scripts: dict[str, str]) -> None:
    await credential(th, "an", "anthropic", scripts["anthropic"], defaultModel="claude-3-5-haiku")
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    body = {"messages": MESSAGES[1:], "targets": [{}], "params": {"tools": [tool]}, "stream": False}
    response = await th.client.post(RUNS, json=body, headers=th.auth)
    assert response.status_code == 200, response.text
    run = response.json()["runs"][0]
    assert run["model"] == "claude-3-5-haiku" and run["finish_reason"] == "tool_use"
    assert run["tool_calls"][0]["name"] == "get_weather"
    assert json.loads(run["tool_calls"][0]["arguments"]) == fake_anthropic.TOOL_INPUT
    assert fake_anthropic.SCRIPT.requests[-1]["tools"][0]["name"] == "get_weather"
    trace = (await th.client.get(f"/api/v1/traces/{run['trace_id']}", headers=th.auth)).json()
    assert trace["output"]["tool_calls"][0]["function"]["name"] == "get_weather"


@pytest.mark.anyio
async def test_playground_runs_can_be_hidden(th: Harness, scripts: dict[str, str]) -> None:
    await credential(th, "oa", "openai", scripts["openai"], defaultModel="gpt-4o-mini")
    await th.client.post("/api/v1/traces", json={"id": "app-1", "name": "app"}, headers=th.auth)
    body = {"messages": MESSAGES, "targets": [{}], "stream": False}
    assert (await th.client.post(RUNS, json=body, headers=th.auth)).status_code == 200
    assert len(await traces(th)) == 2
    assert [t["id"] for t in await traces(th, exclude_tags="playground")] == ["app-1"]


@pytest.mark.anyio
async def test_saved_prompt_version(th: Harness) -> None:
    body = {
        "name": "capitals",
        "messages": MESSAGES,
        "model": "gpt-4o-mini",
        "provider": "openai",
        "params": {"temperature": 0.3, "maxTokens": 200},
        "labels": ["staging"],
    }
    url = "/api/v1/playground/prompt-versions"
    for expected in (1, 2):
        response = await th.client.post(url, json=body, headers=th.auth)
        assert response.status_code == 201, response.text
        assert response.json()["version"] == expected
    stored = (await th.client.get("/api/v1/prompts/capitals?version=2", headers=th.auth)).json()
    assert stored["type"] == "chat" and stored["prompt"] == MESSAGES
    assert stored["config"] == {
        "temperature": 0.3,
        "max_tokens": 200,
        "model": "gpt-4o-mini",
        "provider": "openai",
    }
    assert "staging" in stored["labels"]
    draft = await th.client.get(
        "/api/v1/playground/draft",
        params={"prompt_name": "capitals", "prompt_version": 2},
        headers=th.auth,
    )
    assert draft.json()["messages"] == MESSAGES
    assert draft.json()["params"] == {"temperature": 0.3, "max_tokens": 200}


@pytest.mark.anyio
async def test_draft_of_a_generation(th: Harness) -> None:
    generation = {
        "id": "gen-1",
        "type": "generation",
        "model": "gpt-4o",
        "modelParameters": {"temperature": "0.7", "max_tokens": 64, "seed": 3},
        "input": {
            "messages": [*MESSAGES, {"role": "tool", "content": [{"type": "text", "text": "x"}]}]
        },
        "output": "Paris.",
    }
    trace = {"id": "t-1", "observations": [generation]}
    assert (await th.client.post("/api/v1/traces", json=trace, headers=th.auth)).status_code == 201
    draft = await th.client.get(
        "/api/v1/playground/draft", params={"observation_id": "gen-1"}, headers=th.auth
    )
    body = draft.json()
    assert body["messages"] == [*MESSAGES, {"role": "user", "content": "x"}]
    assert body["model"] == "gpt-4o" and body["params"] == {"temperature": 0.7, "max_tokens": 64}
    assert body["source"] == {"trace_id": "t-1", "observation_id": "gen-1"}
    _, other = await th.new_project("other")
    hidden = await th.client.get(
        "/api/v1/playground/draft", params={"observation_id": "gen-1"}, headers=other
    )
    assert hidden.status_code == 404


BAD_RUNS = {
    "no-credential-of-kind": ({"targets": [{"provider": "anthropic", "model": "c"}]}, 400),
    "unknown-credential": ({"targets": [{"provider": "nope", "model": "m"}]}, 404),
    "unknown-model": ({"targets": [{"provider": "oa", "model": "unknown-model-7"}]}, 400),
    "no-model": ({"targets": [{"provider": "oa"}]}, 400),
    "bad-param": ({"params": {"temperature": 9}}, 422),
    "unknown-param": ({"params": {"temprature": 1}}, 422),
    "bad-role": ({"messages": [{"role": "robot", "content": "hi"}]}, 422),
    "no-targets": ({"targets": []}, 422),
}


@pytest.mark.anyio
@pytest.mark.parametrize("case", sorted(BAD_RUNS))
async def test_bad_runs_write_nothing(th: Harness, scripts: dict[str, str], case: str) -> None:
    await credential(th, "oa", "openai", scripts["openai"])
    change, status = BAD_RUNS[case]
    body = {"messages": MESSAGES, "targets": [{"provider": "oa", "model": "gpt-4o-mini"}]}
    response = await th.client.post(RUNS, json={**body, **change}, headers=th.auth)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert await traces(th) == []


@pytest.mark.anyio
async def test_unknown_model_among_several_calls_nothing_else(
    th: Harness, scripts: dict[str, str]
) -> None:
    await credential(th, "an", "anthropic", scripts["anthropic"])
    targets = [{"model": "claude-3-5-haiku"}, {"model": "unknown-claude"}]
    response = await th.client.post(
        RUNS, json={"messages": MESSAGES, "targets": targets}, headers=th.auth
    )
    assert response.status_code == 400
    assert "unknown-claude" in response.json()["error"]["message"]
    assert response.json()["error"]["details"]["index"] == 1
    assert await traces(th) == []


@pytest.mark.anyio
async def test_provider_outage_is_502(th: Harness, scripts: dict[str, str]) -> None:
    await credential(th, "oa", "openai", scripts["openai"], defaultModel="gpt-4o-mini")
    fake_openai.SCRIPT.reset(("status", 503))
    response = await th.client.post(
        RUNS, json={"messages": MESSAGES, "targets": [{}]}, headers=th.auth
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "provider_error"
    assert "sk-oa-key-0001" not in response.text
    assert await traces(th) == []


@pytest.mark.anyio
async def test_read_only_keys_cannot_run(th: Harness, scripts: dict[str, str]) -> None:
    await credential(th, "oa", "openai", scripts["openai"], defaultModel="gpt-4o-mini")
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    created = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"access": "read"}, headers=token
    )
    assert created.status_code == 201, created.text
    reader = {"X-API-Key": created.json()["secret_key"]}
    body = {"messages": MESSAGES, "targets": [{}]}
    assert (await th.client.post(RUNS, json=body, headers=reader)).status_code == 403
    save = {"name": "p", "messages": MESSAGES}
    url = "/api/v1/playground/prompt-versions"
    assert (await th.client.post(url, json=save, headers=reader)).status_code == 403
    assert fake_openai.SCRIPT.requests == []


@pytest.mark.anyio
async def test_a_stream_that_breaks_off_is_recorded_as_an_error(
    th: Harness, scripts: dict[str, str]
) -> None:
    await credential(th, "an", "anthropic", scripts["anthropic"], defaultModel="claude-3-5-haiku")
    fake_anthropic.SCRIPT.reset(("overloaded", None))
    response = await th.client.post(
        RUNS, json={"messages": MESSAGES, "targets": [{}]}, headers=th.auth
    )
    assert response.status_code == 200
    run = events(response.text)[-1][1]["runs"][0]
    assert "overloaded" in run["error"] and run["text"] == fake_openai.ANSWER
    trace = (await th.client.get(f"/api/v1/traces/{run['trace_id']}", headers=th.auth)).json()
    assert trace["status"] == "error" and "overloaded" in trace["status_message"]
    assert trace["observations"][0]["level"] == "ERROR"
