"""Provider credentials: stored encrypted, shown as a hint, never returned or logged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from tests import fake_openai
from tests.conftest import Harness
from tests.evals.conftest import provider

from tracehouse.providers import secrets
from tracehouse.store.engine import open_database
from tracehouse.store.tables import provider_credentials, server_settings

KEY = "sk-fake-judge-key-1234"

pytestmark = pytest.mark.anyio


async def test_credentials_crud_keeps_the_key_secret(ev: Harness, llm_url: str) -> None:
    created = await provider(ev, llm_url, defaultModel="gpt-4o-mini")
    assert created["api_key_hint"] == "…1234"
    assert "api_key" not in created and KEY not in str(created)
    listed = (await ev.client.get("/api/v1/providers", headers=ev.auth)).json()
    assert [p["name"] for p in listed["data"]] == ["fake"]
    assert KEY not in str(listed)
    db = open_database(ev.settings)
    with db.reader.connect() as conn:
        stored = conn.execute(select(provider_credentials.c.api_key_encrypted)).scalar_one()
    db.dispose()
    assert KEY not in stored
    duplicate = await ev.client.post(
        "/api/v1/providers", json={"name": "fake", "apiKey": "x" * 10}, headers=ev.auth
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "conflict"
    patched = await ev.client.patch(
        "/api/v1/providers/fake", json={"apiKey": "sk-new-key-9876"}, headers=ev.auth
    )
    assert patched.json()["api_key_hint"] == "…9876"
    gone = await ev.client.delete(f"/api/v1/providers/{created['id']}", headers=ev.auth)
    assert gone.status_code == 204
    missing = await ev.client.get("/api/v1/providers/fake", headers=ev.auth)
    assert missing.status_code == 404


async def test_kind_is_validated(ev: Harness) -> None:
    response = await ev.client.post(
        "/api/v1/providers",
        json={"name": "x", "kind": "gemini", "apiKey": "k" * 8},
        headers=ev.auth,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def _judge_with(ev: Harness, name: str, model: str) -> dict[str, Any]:
    body = {
        "name": f"judge-{name}",
        "config": {
            "kind": "llm_judge",
            "template": "helpfulness",
            "provider": name,
            "model": model,
        },
    }
    assert (await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)).is_success
    await ev.client.post("/api/v1/traces", json={"id": f"t-{name}", "output": "x"}, headers=ev.auth)
    response = await ev.client.post(
        f"/api/v1/evaluators/judge-{name}/execute", json={"traceId": f"t-{name}"}, headers=ev.auth
    )
    return dict(response.json())


async def test_anthropic_and_azure_kinds(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    root = llm_url.removesuffix("/v1")
    for name, kind, url in (("claude", "anthropic", root), ("az", "azure", f"{root}/openai")):
        body = {"name": name, "kind": kind, "apiKey": f"key-of-{name}", "baseUrl": url}
        assert (await ev.client.post("/api/v1/providers", json=body, headers=ev.auth)).is_success
    verdict = json.dumps({"reasoning": "useful", "score": 0.75})
    script.reset(("reply", verdict), ("reply", verdict))
    claude = await _judge_with(ev, "claude", "claude-3-5-haiku-latest")
    azure = await _judge_with(ev, "az", "my-deployment")
    assert claude["results"][0]["value"] == 0.75 and azure["results"][0]["value"] == 0.75
    (claude_path, claude_headers), (azure_path, azure_headers) = script.calls
    assert claude_path == "/v1/messages"
    assert claude_headers["x-api-key"] == "key-of-claude" and "anthropic-version" in claude_headers
    assert script.requests[0]["system"].startswith("You are an impartial evaluator")
    assert azure_path.startswith("/openai/deployments/my-deployment/chat/completions?api-version=")
    assert azure_headers["api-key"] == "key-of-az"


async def test_secret_generated_once_or_configured(ev: Harness, llm_url: str) -> None:
    await provider(ev, llm_url)
    db = open_database(ev.settings)
    first = secrets.server_secret(ev.settings, db.writer)
    assert secrets.server_secret(ev.settings, db.writer) == first
    if ev.settings.is_sqlite:
        assert (ev.settings.data_dir / secrets.SECRET_FILE).read_text().strip() == first
    else:
        with db.reader.connect() as conn:
            assert conn.execute(select(server_settings.c.value)).scalar_one() == first
    configured = ev.settings.model_copy(update={"secret_key": SecretStr("configured-secret")})
    assert secrets.server_secret(configured, db.writer) == "configured-secret"
    with db.reader.connect() as conn:
        token = conn.execute(select(provider_credentials.c.api_key_encrypted)).scalar_one()
    db.dispose()
    assert secrets.decrypt(first, token) == KEY
    with pytest.raises(secrets.UndecryptableKey):
        secrets.decrypt("another-secret", token)
