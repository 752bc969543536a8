"""The SDK's prompt cache and experiments against real server processes: `get_prompt` keeps a
version for its TTL and serves the stale copy (or a fallback) while the server is down;
`run_experiment` runs a task over a dataset, traces and scores each item, links the traces to
a dataset run and prints a summary."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import PUBLIC_KEY, SECRET_KEY, LiveServer
from tests.sdk.test_delivery import SERVER_ENV
from tests.server import start_server

from tracehouse import sdk


def post(server: LiveServer, path: str, body: Any) -> Any:
    response = httpx.post(f"{server.url}{path}", json=body, headers=server.auth, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_prompt_compile_names_what_is_missing() -> None:
    chat = sdk.Prompt(
        "support",
        1,
        "chat",
        [
            {"role": "system", "content": "You help {{customer}} with {{product}}."},
            {"type": "placeholder", "name": "history"},
            {"role": "user", "content": "{{question}}"},
        ],
    )
    assert chat.variables() == ["customer", "product", "question"]
    with pytest.raises(ValueError, match="product, question, history"):
        chat.compile(customer="Ana")
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    messages = chat.compile(customer="Ana", product="Tracehouse", question="Why?", history=history)
    assert messages == [
        {"role": "system", "content": "You help Ana with Tracehouse."},
        *history,
        {"role": "user", "content": "Why?"},
    ]
    assert sdk.Prompt("t", 1, "text", "n={{n}}").compile(n=[1, 2]) == "n=[1,2]"


@pytest.mark.slow
def test_prompts_are_cached_and_served_stale_while_the_server_is_down(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env=SERVER_ENV)
    live = LiveServer(server.url, PUBLIC_KEY, SECRET_KEY)
    client = sdk.Tracehouse(host=server.url, api_key=SECRET_KEY, timeout=2)
    try:
        post(
            live,
            "/api/v1/prompts",
            {"name": "greet", "prompt": "Hi {{name}}", "labels": ["production"]},
        )
        first = client.get_prompt("greet", cache_ttl=60)
        assert (first.version, first.compile(name="Bo")) == (1, "Hi Bo")
        post(
            live,
            "/api/v1/prompts",
            {"name": "greet", "prompt": "Hello {{name}}", "labels": ["production"]},
        )
        assert client.get_prompt("greet", cache_ttl=60).version == 1  # fresh enough: cached
        assert client.get_prompt("greet", cache_ttl=0).version == 2  # expired: fetched again
        assert client.get_prompt("greet", version=1).prompt == "Hi {{name}}"
        with pytest.raises(sdk.TracehouseError, match="404"):
            client.get_prompt("missing")
    finally:
        server.stop()
    stale = client.get_prompt("greet", cache_ttl=0)  # the server is down: the stale copy
    assert stale.version == 2 and not stale.is_fallback
    fallback = client.get_prompt("never-fetched", fallback="Hey {{name}}")
    assert fallback.is_fallback and fallback.compile(name="Cy") == "Hey Cy"
    with pytest.raises(sdk.TracehouseError, match="could not be fetched"):
        client.get_prompt("never-fetched")
    client.shutdown(timeout=1)


def exact(*, output: Any, expected_output: Any, **_: Any) -> bool:
    return bool(output == expected_output)


def length(*, output: Any, **_: Any) -> dict[str, Any]:
    return {"name": "length", "value": len(str(output)), "comment": "characters"}


def test_run_experiment_traces_scores_and_links_every_item(
    client: sdk.Tracehouse, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = f"capitals-{uuid.uuid4().hex[:8]}"
    post(live_server, "/api/v1/datasets", {"name": dataset})
    answers = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Peru": "Lima"}
    post(
        live_server,
        f"/api/v1/datasets/{dataset}/items",
        [
            {"id": f"{dataset}-{c}", "input": {"country": c}, "expectedOutput": a}
            for c, a in answers.items()
        ],
    )

    def task(item: sdk.DatasetItem) -> str:
        country = item.input["country"]
        if country == "Peru":
            raise RuntimeError("no idea")
        with sdk.generation("llm", model="gpt-4o-mini", input=country) as llm:
            answer = "Paris" if country == "France" else "Rome"
            llm.update(output=answer)
        return answer

    result = sdk.run_experiment(  # the default client, as `task` uses it too
        dataset, task, [exact, length], run_name="v1", metadata={"model": "rule"}, concurrency=3
    )
    printed = capsys.readouterr()
    assert "4/4" in printed.err  # the progress bar
    assert f"Experiment 'v1' on dataset {dataset!r}" in printed.out and "failed: 1" in printed.out
    by_item = {r.item.input["country"]: r for r in result.items}
    assert by_item["France"].scores == {"exact": True, "length": 5}
    assert by_item["Spain"].scores["exact"] is False
    assert by_item["Peru"].error == "RuntimeError: no idea" and by_item["Peru"].scores == {}
    assert result.averages()["exact"] == pytest.approx(2 / 3)
    run = live_server.get(f"/api/v1/datasets/{dataset}/runs/v1")
    assert run["id"] == result.run_id and run["metadata"] == {"model": "rule"}
    linked = {i["dataset_item_id"]: i["trace_id"] for i in run["items"]}
    assert linked == {r.item.id: r.trace_id for r in result.items}
    france = by_item["France"].trace_id
    for _ in range(100):  # scores travel through the delivery queue
        scores = live_server.get("/api/v1/scores", trace_id=france)["data"]
        if len(scores) == 2:
            break
        time.sleep(0.1)
    assert {s["name"]: s["value"] for s in scores} == {"exact": 1.0, "length": 5.0}
    trace = live_server.get(f"/api/v1/traces/{france}")
    assert trace["output"] == "Paris" and trace["input"] == {"country": "France"}
    assert {o["name"] for o in trace["observations"]} >= {"llm"}
    failed = live_server.get(f"/api/v1/traces/{by_item['Peru'].trace_id}")
    assert failed["status"] == "error"
