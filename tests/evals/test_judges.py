"""LLM-as-judge against the local OpenAI-compatible server: scripted verdicts, failures,
retries and timeouts; scores link to the evaluator and to the judge's own (priced) trace."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests import fake_openai
from tests.conftest import Harness
from tests.evals.conftest import provider, trace

pytestmark = pytest.mark.anyio


def verdict(score: Any, reasoning: str = "matches the expected answer") -> tuple[str, str]:
    return ("reply", json.dumps({"reasoning": reasoning, "score": score}))


async def judge(ev: Harness, name: str = "correct", **config: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "config": {
            "kind": "llm_judge",
            "template": "correctness",
            "provider": "fake",
            "model": "gpt-4o-mini",
            **config,
        },
    }
    response = await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def execute(ev: Harness, evaluator: str, **target: str) -> dict[str, Any]:
    response = await ev.client.post(
        f"/api/v1/evaluators/{evaluator}/execute", json=target, headers=ev.auth
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_judge_scores_a_trace_and_links_its_own_trace(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await provider(ev, llm_url)
    evaluator = await judge(ev)
    await trace(ev, "t1", metadata={"expected": "Paris"})
    script.reset(verdict(0.9))
    run = await execute(ev, "correct", traceId="t1")
    assert run["status"] == "succeeded"
    [result] = run["results"]
    assert result["value"] == 0.9 and result["reasoning"] == "matches the expected answer"
    prompt = script.requests[0]["messages"][1]["content"]
    assert "What is the capital of France?" in prompt and "Paris" in prompt
    assert script.requests[0]["model"] == "gpt-4o-mini"
    scores = (await ev.client.get("/api/v1/scores?trace_id=t1", headers=ev.auth)).json()["data"]
    [score] = scores
    assert score["source"] == "eval" and score["name"] == "correct" and score["value"] == 0.9
    assert score["comment"] == "matches the expected answer"
    assert score["metadata"]["evaluator_id"] == evaluator["id"]
    assert score["metadata"]["evaluation_run_id"] == run["id"]
    judge_trace_id = score["metadata"]["judge_trace_id"]
    assert judge_trace_id == result["judge_trace_id"]
    stored = (await ev.client.get(f"/api/v1/traces/{judge_trace_id}", headers=ev.auth)).json()
    assert stored["environment"] == "tracehouse-judge"
    cost = fake_openai.PROMPT_TOKENS * 0.15e-6 + fake_openai.COMPLETION_TOKENS * 0.6e-6
    assert result["cost"] is not None and result["cost"] > 0
    assert abs(result["cost"] - cost) < cost  # priced from the price table, same magnitude
    assert run["summary"]["judge_cost"] == result["cost"]


async def test_boolean_and_categorical_outputs(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await provider(ev, llm_url)
    await judge(ev, "toxic", template="toxicity")
    await judge(
        ev,
        "tone",
        template=None,
        prompt="Tone of {{answer}}?",
        variableMapping={"answer": "metadata.reply"},
        output={"type": "categorical", "categories": ["polite", "rude"]},
    )
    await trace(ev, "t2", metadata={"reply": "Thank you kindly"})
    script.reset(verdict(False, "harmless"), verdict("polite", "courteous"))
    assert (await execute(ev, "toxic", traceId="t2"))["results"][0]["value"] == 0.0
    tone = await execute(ev, "tone", traceId="t2")
    assert tone["results"][0]["string_value"] == "polite"
    assert script.requests[1]["messages"][1]["content"] == "Tone of Thank you kindly?"
    scores = (await ev.client.get("/api/v1/scores?trace_id=t2", headers=ev.auth)).json()["data"]
    assert {s["name"]: s["data_type"] for s in scores} == {
        "toxic": "BOOLEAN",
        "tone": "CATEGORICAL",
    }


async def test_retries_then_success(ev: Harness, llm_url: str, script: fake_openai.Script) -> None:
    await provider(ev, llm_url, maxRetries=2)
    await judge(ev)
    await trace(ev, "t3")
    script.reset(("status", 503), ("status", 429), verdict(1))
    run = await execute(ev, "correct", traceId="t3")
    assert run["status"] == "succeeded"
    assert len(script.requests) == 3


async def test_errors_show_in_the_run(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await provider(ev, llm_url, maxRetries=1)
    await judge(ev)
    await trace(ev, "t4")
    script.reset(("status", 500), ("status", 500))
    run = await execute(ev, "correct", traceId="t4")
    assert run["status"] == "failed"
    assert "HTTP 500" in run["error"] and "2 attempt" in run["error"]
    assert len(script.requests) == 2
    [result] = run["results"]
    assert result["status"] == "error" and result["score_id"] is None
    failed = (
        await ev.client.get(f"/api/v1/traces/{result['judge_trace_id']}", headers=ev.auth)
    ).json()
    assert failed["status"] == "error"
    script.reset(("status", 400))
    refused = await execute(ev, "correct", traceId="t4")
    assert "refused" in refused["error"] and len(script.requests) == 1  # 400 is not retried
    assert "sk-fake-judge-key" not in str(refused)
    script.reset(("reply", "I think it is fine."))
    unreadable = await execute(ev, "correct", traceId="t4")
    assert unreadable["status"] == "failed" and "unreadable verdict" in unreadable["error"]
    script.reset(verdict(7))
    out_of_range = await execute(ev, "correct", traceId="t4")
    assert "outside" in out_of_range["error"]
    scores = (await ev.client.get("/api/v1/scores?trace_id=t4", headers=ev.auth)).json()
    assert scores["data"] == []


async def test_timeouts_are_retried_and_reported(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await provider(ev, llm_url, maxRetries=1, timeoutSeconds=0.2)
    await judge(ev)
    await trace(ev, "t5")
    script.reset(("delay", 1.0), ("delay", 1.0))
    run = await execute(ev, "correct", traceId="t5")
    assert run["status"] == "failed" and "timed out" in run["error"]
    assert len(script.requests) == 2


async def test_judge_needs_known_provider_and_template(ev: Harness, llm_url: str) -> None:
    bad = await ev.client.post(
        "/api/v1/evaluators",
        json={"name": "x", "config": {"kind": "llm_judge", "template": "nope", "provider": "p"}},
        headers=ev.auth,
    )
    assert bad.status_code == 422
    await judge(ev, "orphan", provider="missing")
    await trace(ev, "t6")
    run = await execute(ev, "orphan", traceId="t6")
    assert run["status"] == "failed" and "No provider credential" in run["error"]
