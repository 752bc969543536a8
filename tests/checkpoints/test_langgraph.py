"""The LangGraph checkpointer with the real `langgraph` package against a real server: a graph
runs, is interrupted, and resumes from the checkpoint Tracehouse stored; every checkpoint is on
the run's trace."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Iterator
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from tests.conftest import LiveServer

from tracehouse import sdk
from tracehouse.sdk.langgraph import TracehouseSaver


class State(TypedDict):
    steps: Annotated[list[str], operator.add]
    approved: bool


def plan(state: State) -> dict[str, Any]:
    return {"steps": ["plan"]}


def edit(state: State) -> dict[str, Any]:
    return {"steps": ["edit"]}


def review(state: State) -> dict[str, Any]:
    answer = interrupt({"question": "ship it?"})
    return {"steps": ["review"], "approved": answer == "yes"}


def build(saver: TracehouseSaver, *, ask: bool = False) -> Any:
    graph = StateGraph(State)
    graph.add_node("plan", plan)
    graph.add_node("edit", edit)
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "edit")
    if ask:
        graph.add_node("review", review)
        graph.add_edge("edit", "review")
        graph.add_edge("review", END)
        return graph.compile(checkpointer=saver)
    graph.add_edge("edit", END)
    return graph.compile(checkpointer=saver, interrupt_before=["edit"])


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[sdk.Tracehouse]:
    tracehouse = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, flush_interval=0.05
    )
    yield tracehouse
    tracehouse.shutdown()


def test_interrupted_graph_resumes_from_the_stored_checkpoint(
    live_server: LiveServer, client: sdk.Tracehouse
) -> None:
    config = {"configurable": {"thread_id": "ticket-1"}}
    seen: dict[str, Any] = {}

    @sdk.observe(name="agent-run")
    def first_leg() -> Any:
        seen["trace_id"] = sdk.current_observation().trace_id  # type: ignore[union-attr]
        return build(TracehouseSaver()).invoke({"steps": [], "approved": False}, config)

    assert first_leg()["steps"] == ["plan"]
    # A new saver and graph (another process would do the same): the state comes from the server.
    graph = build(TracehouseSaver())
    paused = graph.get_state(config)
    assert paused.next == ("edit",) and paused.values["steps"] == ["plan"]
    assert graph.invoke(None, config)["steps"] == ["plan", "edit"]

    stored = live_server.get("/api/v1/checkpoints", trace_id=seen["trace_id"], kind="langgraph")
    assert stored["meta"]["total_count"] >= 3  # input, after plan (interrupted)
    assert {c["session_id"] for c in stored["data"]} == {"ticket-1"}
    history = list(graph.get_state_history(config))
    assert history[0].values["steps"] == ["plan", "edit"] and not history[0].next
    assert [h.config["configurable"]["checkpoint_id"] for h in history] == sorted(
        (h.config["configurable"]["checkpoint_id"] for h in history), reverse=True
    )


def test_interrupt_and_resume_with_a_command_async(
    live_server: LiveServer, client: sdk.Tracehouse
) -> None:
    config = {"configurable": {"thread_id": "ticket-2"}}

    async def run() -> tuple[Any, Any]:
        graph = build(TracehouseSaver(), ask=True)
        first = await graph.ainvoke({"steps": [], "approved": False}, config)
        second = await build(TracehouseSaver(), ask=True).ainvoke(Command(resume="yes"), config)
        return first, second

    first, second = asyncio.run(run())
    assert first["__interrupt__"][0].value == {"question": "ship it?"}
    assert second["steps"] == ["plan", "edit", "review"] and second["approved"] is True
    # Outside an observed run the checkpoints sit on the thread's own trace.
    stored = live_server.get("/api/v1/checkpoints", session_id="ticket-2", kind="langgraph")
    traces = {c["trace_id"] for c in stored["data"]}
    assert len(traces) == 1
    assert live_server.get(f"/api/v1/traces/{traces.pop()}")["name"] == "langgraph"


def test_delete_thread_and_unknown_thread(live_server: LiveServer, client: sdk.Tracehouse) -> None:
    saver = TracehouseSaver()
    config = {"configurable": {"thread_id": "ticket-3"}}
    build(saver).invoke({"steps": [], "approved": False}, config)
    assert saver.get_tuple(config) is not None
    saver.delete_thread("ticket-3")
    assert saver.get_tuple(config) is None
    assert live_server.get("/api/v1/checkpoints", session_id="ticket-3")["data"] == []
    assert list(saver.list({"configurable": {"thread_id": "nobody"}})) == []
