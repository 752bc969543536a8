"""What users record with the SDK arrives at a real server as the right trace: tree, types,
timings, usage, trace fields, errors, generators, scores and feedback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace

from tracehouse import sdk


def test_nested_calls_arrive_as_one_tree(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    @sdk.observe(as_type="generation", name="llm")
    def call_model(prompt: str) -> str:
        sdk.update_current_observation(
            model="gpt-4o-mini",
            model_parameters={"temperature": 0.2},
            usage={"input_tokens": 120, "output_tokens": 30},
        )
        return "Paris"

    @sdk.observe
    def agent(question: str, *, user: str) -> str:
        sdk.update_current_trace(
            user_id=user, session_id="chat-1", tags=["sdk"], metadata={"plan": "pro"}
        )
        with sdk.span("retrieve", input={"q": question}) as retrieve:
            retrieve.update(output=["doc-1"])
        with sdk.tool("search") as search:
            search.end(output={"hits": 3})
        root = sdk.current_observation()
        assert root is not None
        ids.append(root.trace_id)
        return call_model(f"Answer: {question}")

    ids: list[str] = []
    assert agent("Capital of France?", user="alice") == "Paris"
    assert client.flush()

    trace = read_trace(live_server, ids[0])
    assert trace["name"] == "agent"
    assert (trace["user_id"], trace["session_id"], trace["tags"]) == ("alice", "chat-1", ["sdk"])
    assert trace["metadata"] == {"plan": "pro"}
    assert trace["input"] == {"question": "Capital of France?", "user": "alice"}
    assert trace["output"] == "Paris"
    assert trace["usage"] == {"input_tokens": 120, "output_tokens": 30, "total_tokens": 150}
    assert trace["cost"] > 0
    by_name = trace["by_name"]
    root = by_name["agent"]
    assert trace["tree"] == [
        {
            "id": root["id"],
            "children": [
                {"id": by_name[name]["id"], "children": []}
                for name in ("retrieve", "search", "llm")
            ],
        }
    ]
    assert [by_name[n]["type"] for n in ("agent", "retrieve", "search", "llm")] == [
        "span",
        "span",
        "tool",
        "generation",
    ]
    llm = by_name["llm"]
    assert llm["model"] == "gpt-4o-mini"
    assert llm["model_parameters"] == {"temperature": 0.2}
    assert llm["input"] == {"prompt": "Answer: Capital of France?"}
    assert by_name["retrieve"]["input"] == {"q": "Capital of France?"}
    assert by_name["retrieve"]["output"] == ["doc-1"]
    for child in ("retrieve", "search", "llm"):
        assert root["start_time"] <= by_name[child]["start_time"]
        assert by_name[child]["end_time"] <= root["end_time"]
    assert len(trace["id"]) == 32 and len(root["id"]) == 16


def test_async_functions_and_generators(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    @sdk.observe
    def words() -> Iterator[str]:
        yield "Par"
        yield "is"

    @sdk.observe
    async def tokens() -> AsyncIterator[str]:
        for token in ("Lon", "don"):
            await asyncio.sleep(0)
            yield token

    @sdk.observe
    async def lookup(city: str) -> str:
        await asyncio.sleep(0)
        return city.upper()

    @sdk.observe(name="async-agent")
    async def agent() -> list[str]:
        trace_ids.append(sdk.current_observation().trace_id)  # type: ignore[union-attr]
        first = "".join(words())
        second = "".join([t async for t in tokens()])
        upper = await asyncio.gather(lookup("rome"), lookup("oslo"))
        return [first, second, *upper]

    trace_ids: list[str] = []
    assert asyncio.run(agent()) == ["Paris", "London", "ROME", "OSLO"]
    assert client.flush()

    trace = read_trace(live_server, trace_ids[0])
    by_name = trace["by_name"]
    assert by_name["words"]["output"] == "Paris"
    assert by_name["tokens"]["output"] == "London"
    root_id = by_name["async-agent"]["id"]
    children = [o for o in trace["observations"] if o["parent_id"] == root_id]
    assert sorted(o["name"] for o in children) == ["lookup", "lookup", "tokens", "words"]
    assert sorted(o["output"] for o in children if o["name"] == "lookup") == ["OSLO", "ROME"]


def test_a_generator_span_ends_when_the_stream_is_consumed(
    client: sdk.Tracehouse, live_server: LiveServer
) -> None:
    @sdk.observe
    def stream() -> Iterator[int]:
        with sdk.span("inside"):
            pass
        yield 1
        yield 2

    with sdk.span("request") as request:
        chunks = stream()
        first = next(chunks)
        assert first == 1
        assert client.flush()
        assert "stream" not in read_trace(live_server, request.trace_id)["by_name"]
        assert list(chunks) == [2]
    assert client.flush()
    by_name = read_trace(live_server, request.trace_id)["by_name"]
    assert by_name["stream"]["output"] == [1, 2]
    assert by_name["inside"]["parent_id"] == by_name["stream"]["id"]


def test_errors_are_recorded_and_raised(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    @sdk.observe
    def failing() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError), sdk.span("job") as job:
        failing()
    assert client.flush()

    trace = read_trace(live_server, job.trace_id)
    assert trace["status"] == "error"
    for name in ("failing", "job"):
        assert trace["by_name"][name]["level"] == "ERROR"
        assert trace["by_name"][name]["status_message"] == "KeyError: 'missing'"


def test_manual_start_and_end(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    root = sdk.start_observation("pipeline", as_type="agent", input="go")
    step = client.generation("draft", parent=root, model="gpt-4o-mini")
    step.end(output="text", usage={"input_tokens": 5, "output_tokens": 2}, level="WARNING")
    step.end(output="ignored: an observation ends once")
    root.end(output="done")
    assert client.flush()

    trace = read_trace(live_server, root.trace_id)
    assert trace["input"] == "go" and trace["output"] == "done"
    draft = trace["by_name"]["draft"]
    assert draft["parent_id"] == root.id and draft["output"] == "text"
    assert draft["level"] == "WARNING" and trace["status"] == "warning"
    assert trace["by_name"]["pipeline"]["type"] == "agent"


def test_scores_and_feedback_from_code(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    @sdk.observe
    def answer() -> str:
        sdk.score("helpful", 0.9, comment="looks right")
        sdk.feedback(1, comment="thanks", user_id="alice")
        with sdk.span("check") as check:
            check.score("valid_json", True)
        trace_ids.append(sdk.current_observation().trace_id)  # type: ignore[union-attr]
        return "ok"

    trace_ids: list[str] = []
    answer()
    sdk.score("resolved", "yes", session_id="chat-9")
    assert client.flush()

    scores = {s["name"]: s for s in read_trace(live_server, trace_ids[0])["scores"]}
    assert scores["helpful"]["value"] == 0.9 and scores["helpful"]["comment"] == "looks right"
    assert scores["valid_json"]["data_type"] == "BOOLEAN"
    assert scores["valid_json"]["observation_id"] is not None
    assert scores["feedback"]["source"] == "feedback" and scores["feedback"]["value"] == 1.0
    feedback = live_server.get(f"/api/v1/traces/{trace_ids[0]}/feedback")
    assert feedback["summary"] == {"up": 1, "down": 0}
    session = live_server.get("/api/v1/scores", session_id="chat-9")["data"]
    assert [s["string_value"] for s in session] == ["yes"]


def test_capture_switch_and_masking(live_server: LiveServer) -> None:
    def mask(value: object) -> object:
        if isinstance(value, dict):
            return {k: "***" if k in ("password", "email") else v for k, v in value.items()}
        return value

    @sdk.observe
    def login(email: str, password: str) -> dict[str, str]:
        sdk.update_current_observation(metadata={"email": "a@b.c", "attempt": 1})
        return {"email": email, "token": "t-1"}

    @sdk.observe(capture_input=False, capture_output=False)
    def secret(key: str) -> str:
        return key[::-1]

    client = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, mask=mask, flush_interval=0.05
    )
    try:
        with sdk.span("session") as session:
            login("a@b.c", "hunter2")
            secret("abc")
        assert client.flush()
    finally:
        client.shutdown()
    by_name = read_trace(live_server, session.trace_id)["by_name"]
    assert by_name["login"]["input"] == {"email": "***", "password": "***"}
    assert by_name["login"]["output"] == {"email": "***", "token": "t-1"}
    assert by_name["login"]["metadata"] == {"email": "***", "attempt": 1}
    assert by_name["secret"]["input"] is None and by_name["secret"]["output"] is None

    quiet = sdk.configure(host=live_server.url, api_key=live_server.secret_key, capture=False)
    try:
        with sdk.span("quiet") as span:
            login("x@y.z", "pw")
        assert quiet.flush()
    finally:
        quiet.shutdown()
    assert read_trace(live_server, span.trace_id)["by_name"]["login"]["input"] is None


def test_sampling_and_disabled_clients_send_nothing(live_server: LiveServer) -> None:
    @sdk.observe
    def work(n: int) -> int:
        return n * 2

    for settings in ({"sample_rate": 0.0}, {"enabled": False}):
        client = sdk.configure(host=live_server.url, api_key=live_server.secret_key, **settings)
        try:
            assert work(21) == 42
            with sdk.span("unsent") as span:
                sdk.update_current_trace(user_id="nobody")
                sdk.score("ignored", 1)
            assert client.flush()
        finally:
            client.shutdown()
        assert sdk_get(live_server, f"/api/v1/traces/{span.trace_id}") == 404
        assert live_server.get("/api/v1/scores", trace_id=span.trace_id)["data"] == []


def sdk_get(server: LiveServer, path: str) -> int:
    import httpx

    return httpx.get(f"{server.url}{path}", headers=server.auth, timeout=10).status_code
