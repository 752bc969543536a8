"""A small app instrumented with the real `langfuse` SDK, configured only by environment
(LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY). Run as a separate process by
the tests so the SDK's global state stays out of the test process; prints the ids it made."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from langfuse import get_client, observe, propagate_attributes

ids: dict[str, Any] = {}


@observe(name="retrieve", as_type="retriever")
def retrieve(question: str) -> list[str]:
    return [f"doc about {question}", "another doc"]


@observe(name="llm-call", as_type="generation")
def call_llm(question: str, docs: list[str]) -> str:
    client = get_client()
    client.update_current_generation(
        model="gpt-4o-mini",
        model_parameters={"temperature": 0.2, "max_tokens": 64},
        usage_details={"input": 1000, "output": 200},
        input=[{"role": "user", "content": question}],
    )
    ids["generation"] = client.get_current_observation_id()
    return "Rome"


@observe(name="flaky-tool", as_type="tool")
def flaky_tool() -> None:
    raise ValueError("boom")


@observe(name="handle-request")
def handle(question: str) -> str:
    client = get_client()
    ids["trace"] = client.get_current_trace_id()
    ids["root"] = client.get_current_observation_id()
    with propagate_attributes(
        user_id="user-7",
        session_id="session-7",
        tags=["langfuse-sdk", "e2e"],
        metadata={"tenant": "acme"},
        trace_name="qa-request",
    ):
        answer = call_llm(question, retrieve(question))
        with contextlib.suppress(ValueError):
            flaky_tool()
        client.score_current_trace(name="helpful", value=1.0, comment="thumbs up")
    return answer


def main() -> None:
    client = get_client()
    if not client.auth_check():
        sys.exit("auth_check failed")
    handle("capital of Italy?")
    client.create_score(
        trace_id=ids["trace"],
        observation_id=ids["generation"],
        name="correctness",
        value="exact",
        data_type="CATEGORICAL",
    )
    client.create_score(session_id="session-7", name="csat", value=4.0)
    client.flush()
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
