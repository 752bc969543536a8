"""Provider credentials: stored encrypted, shown as a hint, never returned or logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.conftest import Harness
from tests.evals.conftest import provider

from tracehouse.store.engine import open_database
from tracehouse.store.tables import provider_credentials

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
