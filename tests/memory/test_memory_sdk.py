"""The SDK's memory client and its LangGraph `BaseStore` adapter against a real server process,
with semantic search through the fake OpenAI-compatible embeddings: a LangGraph agent remembers
a user's preference in one thread and recalls it in another from a paraphrase."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any, TypedDict

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer

from tracehouse import sdk
from tracehouse.sdk.langgraph import TracehouseStore


def _call(url: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = httpx.request(method, url + path, json=body, headers=headers, timeout=10)
    assert response.is_success, response.text
    return response.json()


@pytest.fixture
def client(live_server: LiveServer, openai_url: str) -> Iterator[sdk.Tracehouse]:
    """A client of a fresh project whose embedder is the fake provider's."""
    url = live_server.url
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    token = _call(url, "POST", "/api/v1/auth/login", {}, login)["token"]
    made = _call(
        url,
        "POST",
        "/api/v1/projects",
        {"Authorization": f"Bearer {token}"},
        {"name": f"memory-{uuid.uuid4().hex[:8]}"},
    )
    key = made["api_key"]["secret_key"]
    auth = {"Authorization": f"Bearer {key}"}
    credential = {"name": "embed", "api_key": "sk-embed-0001", "base_url": openai_url}
    _call(url, "POST", "/api/v1/providers", auth, credential)
    choice = {"kind": "provider", "credential": "embed", "model": "text-embedding-3-small"}
    _call(url, "PUT", "/api/v1/embedder", auth, choice)
    th = sdk.Tracehouse(host=url, api_key=key, timeout=10)
    yield th
    th.shutdown(timeout=1)


def test_memory_client(client: sdk.Tracehouse) -> None:
    memory = client.memory
    entry = memory.add("Prefers dark mode", ("user", "alice"), category="preference", ttl=3600)
    assert entry.namespace == ("user", "alice") and entry.expires_at is not None
    same = memory.add("Prefers dark mode", "user/alice", metadata={"source": "chat"})
    assert same.id == entry.id and same.metadata == {"source": "chat"}
    keyed = memory.add("Drinks espresso", "user/alice/habits", key="coffee")
    assert memory.get_by_key(["user", "alice", "habits"], "coffee") == keyed
    assert memory.get_by_key("user/alice", "coffee") is None  # exact scope only
    assert memory.update(keyed.id, content="Drinks tea").content == "Drinks tea"
    assert [e.id for e in memory.list("user/alice")] == [keyed.id, entry.id]
    assert memory.scopes("user") == [("user/alice", 1), ("user/alice/habits", 1)]
    found = memory.search("customer loves night theme", "user")
    assert found.mode == "semantic" and found.note is None
    assert found.entries[0].id == entry.id and found.entries[0].score
    assert memory.search("tea", mode="keyword").entries[0].id == keyed.id
    assert memory.delete(keyed.id) is True
    assert memory.delete(keyed.id) is False
    assert memory.get(keyed.id) is None
    with pytest.raises(sdk.TracehouseError, match="422"):
        memory.search("")


class State(TypedDict, total=False):
    user_id: str
    message: str
    reply: str


def respond(state: State, runtime: Runtime[None]) -> dict[str, str]:
    """Remember what the user says after `remember:`; otherwise answer from memory."""
    store = runtime.store
    assert store is not None
    namespace = ("user", state["user_id"], "preferences")
    message = state["message"]
    if message.startswith("remember:"):
        store.put(namespace, uuid.uuid4().hex, {"preference": message.split(":", 1)[1].strip()})
        return {"reply": "Noted."}
    hits = store.search(namespace, query=message, limit=1)
    return {"reply": hits[0].value["preference"] if hits else "I don't know yet."}


def _graph(store: BaseStore) -> Any:
    builder = StateGraph(State)
    builder.add_node("respond", respond)
    builder.add_edge(START, "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=InMemorySaver(), store=store)


def test_a_langgraph_agent_remembers_across_threads(client: sdk.Tracehouse) -> None:
    graph = _graph(TracehouseStore(client))
    first = graph.invoke(
        {"user_id": "alice", "message": "remember: I prefer dark mode"},
        {"configurable": {"thread_id": "thread-1"}},
    )
    assert first["reply"] == "Noted."
    # Another thread (and an async run): no word of the question is in the memory.
    later = asyncio.run(
        graph.ainvoke(
            {"user_id": "alice", "message": "which night theme does the customer love?"},
            {"configurable": {"thread_id": "thread-2"}},
        )
    )
    assert later["reply"] == "I prefer dark mode"
    other = graph.invoke(
        {"user_id": "bob", "message": "which night theme does the customer love?"},
        {"configurable": {"thread_id": "thread-3"}},
    )
    assert other["reply"] == "I don't know yet."


def test_the_store_operations(client: sdk.Tracehouse) -> None:
    store = TracehouseStore(client)
    store.put(("docs", "a"), "one", {"topic": "coffee", "rank": 1})
    store.put(("docs", "b"), "two", {"topic": "tea", "rank": 2}, ttl=5)
    store.put(("notes",), "three", {"text": "hello"}, index=False)
    item = store.get(("docs", "a"), "one")
    assert item is not None and item.value == {"topic": "coffee", "rank": 1}
    assert item.namespace == ("docs", "a") and item.key == "one"
    store.put(("docs", "a"), "one", {"topic": "espresso", "rank": 3})
    assert store.get(("docs", "a"), "one").value["topic"] == "espresso"  # type: ignore[union-attr]
    assert store.get(("docs", "a"), "missing") is None
    listed = store.search(("docs",))
    assert {i.key for i in listed} == {"one", "two"}
    assert [i.key for i in store.search(("docs",), filter={"topic": "tea"})] == ["two"]
    assert [i.key for i in store.search(("docs",), filter={"rank": {"$gt": 2}})] == ["one"]
    hits = store.search((), query="latte")
    assert hits[0].key == "one" and hits[0].score is not None
    assert store.list_namespaces() == [("docs", "a"), ("docs", "b"), ("notes",)]
    assert store.list_namespaces(prefix=("docs",), max_depth=1) == [("docs",)]
    assert store.list_namespaces(suffix=("b",)) == [("docs", "b")]
    store.delete(("docs", "a"), "one")
    assert store.get(("docs", "a"), "one") is None
    assert asyncio.run(store.aget(("notes",), "three")).value == {"text": "hello"}  # type: ignore[union-attr]
