"""Masking rules through the API: hash stability, drop-key, Luhn, custom and refused
patterns, preview, counts, audit, cache invalidation and project isolation."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.masking.pii import EMAIL, leaks

pytestmark = pytest.mark.anyio
RULES = "/api/v1/masking-rules"


async def _rule(th: Harness, body: dict[str, Any], auth: dict[str, str] | None = None) -> Any:
    response = await th.client.post(RULES, json=body, headers=auth or th.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def _trace(
    th: Harness, trace_id: str, auth: dict[str, str] | None = None, **fields: Any
) -> Any:
    auth = auth or th.auth
    response = await th.client.post("/api/v1/traces", json={"id": trace_id, **fields}, headers=auth)
    assert response.status_code == 201, response.text
    return (await th.client.get(f"/api/v1/traces/{trace_id}", headers=auth)).json()


async def test_hash_is_stable_in_a_project_and_differs_between_projects(th: Harness) -> None:
    await _rule(th, {"detector": "email", "action": "hash"})
    first = await _trace(th, "h-1", user_id=EMAIL, output=f"mail {EMAIL}")
    second = await _trace(th, "h-2", user_id=EMAIL)
    assert first["user_id"] == second["user_id"]
    assert (
        first["user_id"].startswith("[HASH:email:")
        and first["output"] == f"mail {first['user_id']}"
    )
    _, other = await th.new_project("other")
    await _rule(th, {"detector": "email", "action": "hash"}, other)
    elsewhere = await _trace(th, "h-3", other, user_id=EMAIL)
    assert (
        elsewhere["user_id"].startswith("[HASH:email:") and elsewhere["user_id"] != first["user_id"]
    )
    assert leaks(th) == []


async def test_drop_key_removes_the_key_and_key_rules_match_names(th: Harness) -> None:
    await _rule(th, {"detector": "email", "action": "drop_key"})
    keys = {"detector": "custom", "name": "secrets", "pattern": "password|api_secret"}
    await _rule(th, {**keys, "target": "keys", "case_sensitive": False, "action": "drop_key"})
    metadata = {"contact": EMAIL, "keep": "yes", "Password": "hunter2", "deep": {"api_secret": "x"}}
    trace = await _trace(th, "d-1", metadata=metadata, output=f"to {EMAIL}")
    assert trace["metadata"] == {"keep": "yes", "deep": {}}
    assert trace["output"] == "to [REDACTED:email]"  # a field is never dropped: redacted


async def test_a_number_failing_luhn_is_kept(th: Harness) -> None:
    await _rule(th, {"detector": "card"})
    trace = await _trace(th, "l-1", output="good 4111111111111111 bad 4111111111111112")
    assert trace["output"] == "good [REDACTED:card] bad 4111111111111112"


async def test_custom_pattern_and_preview(th: Harness) -> None:
    await _rule(th, {"detector": "custom", "name": "employee", "pattern": r"EMP-\d{6}"})
    trace = await _trace(th, "c-1", input={"who": "EMP-123456", "not": "EMP-12"})
    assert trace["input"] == {"who": "[REDACTED:employee]", "not": "EMP-12"}
    preview = await th.client.post(
        f"{RULES}/preview",
        json={"text": f"EMP-000001 and {EMAIL}", "rule": {"detector": "email", "action": "hash"}},
        headers=th.auth,
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["text"].startswith("[REDACTED:employee] and [HASH:email:")
    assert body["counts"] == {"employee": 1, "email": 1}
    listed = (await th.client.get(RULES, headers=th.auth)).json()
    assert [r["name"] for r in listed["data"]] == ["employee"]  # the preview saved nothing
    assert listed["data"][0]["masked_count"] == 1
    assert {d["name"] for d in listed["detectors"]} >= {"email", "card", "iban", "ip", "phone"}


@pytest.mark.parametrize(
    "body",
    [
        {"detector": "custom", "pattern": r"(a+)\1", "name": "backref"},
        {"detector": "custom", "pattern": "(?=secret)", "name": "lookahead"},
        {"detector": "custom", "pattern": "x*", "name": "empty"},
        {"detector": "custom", "pattern": r"\Afoo", "name": "anchor"},
        {"detector": "custom", "name": "nopattern"},
        {"detector": "email", "pattern": "x+"},
        {"detector": "zipcode"},
        {"detector": "custom", "pattern": "x", "name": "bad name!"},
        {"detector": "email", "action": "shred"},
    ],
    ids=[
        "backref",
        "lookahead",
        "empty",
        "anchor",
        "no-pattern",
        "builtin-pattern",
        "unknown",
        "name",
        "action",
    ],
)
async def test_refused_rules_are_422_and_nothing_is_written(
    th: Harness, body: dict[str, Any]
) -> None:
    response = await th.client.post(RULES, json=body, headers=th.auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert (await th.client.get(RULES, headers=th.auth)).json()["data"] == []


async def test_changes_apply_at_once_and_are_audited(th: Harness) -> None:
    rule = await _rule(th, {"detector": "email"})
    assert (await _trace(th, "v-1", output=EMAIL))["output"] == "[REDACTED:email]"
    patched = await th.client.patch(
        f"{RULES}/{rule['id']}", json={"enabled": False}, headers=th.auth
    )
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert (await _trace(th, "v-2", output=EMAIL))["output"] == EMAIL
    await th.client.patch(
        f"{RULES}/{rule['id']}", json={"enabled": True, "action": "hash"}, headers=th.auth
    )
    assert (await _trace(th, "v-3", output=EMAIL))["output"].startswith("[HASH:email:")
    assert (await th.client.delete(f"{RULES}/{rule['id']}", headers=th.auth)).status_code == 204
    assert (await _trace(th, "v-4", output=EMAIL))["output"] == EMAIL
    duplicate = [
        await th.client.post(RULES, json={"detector": "ip"}, headers=th.auth) for _ in range(2)
    ]
    assert [r.status_code for r in duplicate] == [201, 409]
    admin = await th.admin_token()
    entries = (
        await th.client.get(
            "/api/v1/audit-logs", params={"target_type": "masking_rule"}, headers=admin
        )
    ).json()
    actions = {entry["action"] for entry in entries["data"]}
    assert {"masking_rule.create", "masking_rule.update", "masking_rule.delete"} <= actions


async def test_rules_are_project_scoped(th: Harness) -> None:
    rule = await _rule(th, {"detector": "email"})
    _, other = await th.new_project("other")
    assert (await th.client.get(RULES, headers=other)).json()["data"] == []
    for method in ("GET", "PATCH", "DELETE"):
        response = await th.client.request(method, f"{RULES}/{rule['id']}", json={}, headers=other)
        assert response.status_code == 404, method
    assert (await _trace(th, "o-1", other, output=EMAIL))["output"] == EMAIL
    assert (await _trace(th, "o-2", output=EMAIL))["output"] == "[REDACTED:email]"
