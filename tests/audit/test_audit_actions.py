"""One walk through every action the audit log records from the data-plane API (a project
key acting), each entry with the key's prefix as actor; and no provider secret in the log."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import SECRET_KEY, Harness
from tests.tapes.conftest import publish

from tracehouse.keys.secrets import display_prefix

pytestmark = pytest.mark.anyio

PROVIDER_SECRET = "sk-provider-very-secret-0123456789"
JSON_RULE = {"kind": "code", "rule": "json_valid"}
INSIGHTS_PROVIDER = {"baseUrl": "http://127.0.0.1:9/v1", "model": "m", "apiKey": PROVIDER_SECRET}


async def _call(th: Harness, method: str, path: str, body: Any = None) -> None:
    response = await th.client.request(method, path, json=body, headers=th.auth)
    assert response.is_success, f"{method} {path}: {response.text}"


async def _export(th: Harness, token: dict[str, str]) -> list[dict[str, Any]]:
    response = await th.client.get("/api/v1/audit-logs/export", headers=token)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_each_wired_action_is_recorded(th: Harness) -> None:
    steps: list[tuple[str, str, Any]] = [
        ("POST", "/api/v1/providers", {"name": "openai", "apiKey": PROVIDER_SECRET}),
        ("PATCH", "/api/v1/providers/openai", {"apiKey": PROVIDER_SECRET + "-2"}),
        ("DELETE", "/api/v1/providers/openai", None),
        ("POST", "/api/v1/models", {"modelName": "m-a", "inputPrice": 1}),
        ("POST", "/api/v1/prompts", {"name": "greet", "prompt": "Hi {{name}}"}),
        ("PUT", "/api/v1/prompts/greet/labels/production", {"version": 1}),
        ("DELETE", "/api/v1/prompts/greet/labels/production", None),
        ("DELETE", "/api/v1/prompts/greet", None),
        ("POST", "/api/v1/datasets", {"name": "qa"}),
        ("POST", "/api/v1/datasets/qa/items", {"id": "it-1", "input": {"q": 1}}),
        ("PATCH", "/api/v1/datasets/qa/items/it-1", {"expectedOutput": "x"}),
        ("DELETE", "/api/v1/datasets/qa", None),
        ("POST", "/api/v1/evaluators", {"name": "json", "config": JSON_RULE}),
        ("PATCH", "/api/v1/evaluators/json", {"description": "valid JSON"}),
        ("POST", "/api/v1/evaluations/monitors", {"name": "watch", "evaluatorIds": ["json"]}),
        ("DELETE", "/api/v1/evaluations/monitors/watch", None),
        ("DELETE", "/api/v1/evaluators/json", None),
        ("POST", "/api/v1/skills", {"name": "triage", "body": "Sort by urgency."}),
        ("PUT", "/api/v1/analytics/settings", {"slowThresholdMs": 1500}),
        ("PUT", "/api/v1/insights/provider", INSIGHTS_PROVIDER),
        ("DELETE", "/api/v1/insights/provider", None),
    ]  # fmt: skip
    for method, path, body in steps:
        await _call(th, method, path, body)
    skill = (await th.client.get("/api/v1/skills", headers=th.auth)).json()["data"][0]
    for method, path, body in (
        ("PATCH", f"/api/v1/skills/{skill['id']}", {"body": "Sort by urgency, then age."}),
        ("PUT", f"/api/v1/skills/{skill['id']}/labels/production", {"version": 2}),
        ("DELETE", f"/api/v1/skills/{skill['id']}/labels/production", None),
        ("DELETE", f"/api/v1/skills/{skill['id']}", None),
    ):
        await _call(th, method, path, body)
    price = (await th.client.get("/api/v1/models", headers=th.auth)).json()["data"]
    custom = [p for p in price if p.get("model_name") == "m-a"]
    await _call(th, "DELETE", f"/api/v1/models/{custom[0]['id']}")
    assert (await publish(th, slug="audited-tape")).status_code == 201
    await _call(th, "DELETE", "/api/v1/tapes/audited-tape")
    await _call(th, "DELETE", "/api/v1/traces/tape-trace")
    token = await th.admin_token()
    entries = await _export(th, token)
    actions = [
        e["action"] for e in reversed(entries) if e["actor"] == f"key:{display_prefix(SECRET_KEY)}"
    ]
    assert actions == [
        "provider_credential.create",
        "provider_credential.update",
        "provider_credential.delete",
        "price.create",
        "prompt.version_create",
        "prompt.labels",
        "prompt.label_remove",
        "prompt.delete",
        "dataset.create",
        "dataset.items_upsert",
        "dataset.item_update",
        "dataset.delete",
        "evaluator.create",
        "evaluator.update",
        "monitor.create",
        "monitor.delete",
        "evaluator.delete",
        "skill.create",
        "analytics_settings.update",
        "insights_provider.put",
        "insights_provider.delete",
        "skill.version_create",
        "skill.label",
        "skill.label_remove",
        "skill.delete",
        "price.delete",
        "tape.publish",
        "tape.unpublish",
        "trace.delete",
    ]
    assert all(
        e["project_id"] and e["request_id"] for e in entries if e["actor"].startswith("key:")
    )
    as_csv = await th.client.get(
        "/api/v1/audit-logs/export", params={"format": "csv"}, headers=token
    )
    for text in (as_csv.text, str(entries)):
        assert PROVIDER_SECRET not in text and SECRET_KEY not in text
