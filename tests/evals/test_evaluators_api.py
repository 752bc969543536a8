"""Evaluator definitions through HTTP: create, list, read, change, delete; templates; errors."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

from tracehouse.evaluators.rules import apply

pytestmark = pytest.mark.anyio


async def test_evaluator_crud(ev: Harness) -> None:
    templates = (await ev.client.get("/api/v1/evaluators/templates", headers=ev.auth)).json()
    assert {t["name"] for t in templates["data"]} == {
        "correctness",
        "hallucination",
        "relevance",
        "toxicity",
        "helpfulness",
    }
    body = {
        "name": "len",
        "description": "short answers",
        "config": {"kind": "code", "rule": "length", "max": 50},
    }
    created = await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)
    assert created.status_code == 201
    evaluator = created.json()
    assert evaluator["kind"] == "code" and evaluator["config"]["max"] == 50
    assert (
        await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)
    ).status_code == 409
    patched = await ev.client.patch(
        f"/api/v1/evaluators/{evaluator['id']}",
        json={"config": {"kind": "code", "rule": "regex", "pattern": "^ok"}},
        headers=ev.auth,
    )
    assert patched.json()["config"]["rule"] == "regex"
    assert patched.json()["description"] == "short answers"
    listed = (await ev.client.get("/api/v1/evaluators", headers=ev.auth)).json()
    assert [e["name"] for e in listed["data"]] == ["len"] and listed["meta"]["total_count"] == 1
    assert (await ev.client.delete("/api/v1/evaluators/len", headers=ev.auth)).status_code == 204
    missing = await ev.client.get("/api/v1/evaluators/len", headers=ev.auth)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    no_kind = await ev.client.post(
        "/api/v1/evaluators", json={"name": "x", "config": {"rule": "regex"}}, headers=ev.auth
    )
    assert no_kind.status_code == 422 and no_kind.json()["error"]["details"]


async def test_read_only_key_cannot_execute(ev: Harness) -> None:
    token = await ev.admin_token()
    projects = (await ev.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    key = await ev.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"access": "read"}, headers=token
    )
    reader = {"X-API-Key": key.json()["secret_key"]}
    await ev.client.post(
        "/api/v1/evaluators",
        json={"name": "json", "config": {"kind": "code", "rule": "json_valid"}},
        headers=ev.auth,
    )
    await ev.client.post("/api/v1/traces", json={"id": "ro"}, headers=ev.auth)
    denied = await ev.client.post(
        "/api/v1/evaluators/json/execute", json={"traceId": "ro"}, headers=reader
    )
    assert denied.status_code == 403
    queued = await ev.client.post(
        "/api/v1/evaluations/trace-runs",
        json={"traceIds": ["ro"], "evaluatorIds": ["json"]},
        headers=reader,
    )
    assert queued.status_code == 403


async def test_regex_rules_refuse_backtracking_syntax_and_match_in_linear_time(ev: Harness) -> None:
    """Rule patterns run on the evaluation worker: RE2 refuses what it cannot match in linear
    time (a backreference) when the rule is saved, and `(a+)+$` cannot stall a long text."""
    refused = await ev.client.post(
        "/api/v1/evaluators",
        json={"name": "b", "config": {"kind": "code", "rule": "regex", "pattern": r"(a)\1"}},
        headers=ev.auth,
    )
    assert refused.status_code == 422
    assert "RE2" in str(refused.json()["error"]["details"])
    verdict = apply(
        {"rule": "regex", "pattern": "(a+)+$", "field": "output"}, {"output": "a" * 10_000 + "!"}
    )
    assert not verdict.passed and verdict.reasoning == "pattern not found"
    sensitive = apply({"rule": "regex", "pattern": "^Par", "field": "output"}, {"output": "paris"})
    insensitive = {"rule": "regex", "pattern": "^Par", "case_sensitive": False, "field": "output"}
    assert not sensitive.passed and apply(insensitive, {"output": "paris"}).passed
