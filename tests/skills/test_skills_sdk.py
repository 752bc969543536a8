"""The SDK fetches a skill by name and label against a real server process, with the prompt
cache's rules: a copy is kept for `cache_ttl`, then fetched again; a fallback stands in."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from tests.conftest import LiveServer

from tracehouse import sdk


def call(server: LiveServer, method: str, path: str, body: Any) -> Any:
    response = httpx.request(
        method, f"{server.url}{path}", json=body, headers=server.auth, timeout=10
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_get_skill_by_name_and_label_is_cached(live_server: LiveServer) -> None:
    name = f"refunds-{uuid.uuid4().hex[:8]}"
    client = sdk.Tracehouse(host=live_server.url, api_key=live_server.secret_key, timeout=5)
    try:
        skill = call(
            live_server,
            "POST",
            "/api/v1/skills",
            {"name": name, "body": "Ask for the order.", "labels": ["production"]},
        )
        first = client.get_skill(name, cache_ttl=60)
        assert (first.version, first.body, first.labels) == (
            1,
            "Ask for the order.",
            ["production", "latest"],
        )
        url = f"/api/v1/skills/{skill['id']}"
        call(live_server, "PATCH", url, {"body": "Ask twice.", "labels": ["production"]})
        assert client.get_skill(name, cache_ttl=60).version == 1  # fresh enough: cached
        assert client.get_skill(name, cache_ttl=0).body == "Ask twice."  # expired: fetched
        assert client.get_skill(name, label="latest").version == 2
        assert client.get_skill(name, version=1).body == "Ask for the order."
        with pytest.raises(sdk.TracehouseError, match="404"):
            client.get_skill(f"{name}-missing")
    finally:
        client.shutdown(timeout=1)
    offline = sdk.Tracehouse(host="http://127.0.0.1:9", api_key="sk-x", timeout=1)
    fallback = offline.get_skill("anything", fallback="Be careful.")
    assert fallback.is_fallback and fallback.body == "Be careful."
    offline.shutdown(timeout=1)
