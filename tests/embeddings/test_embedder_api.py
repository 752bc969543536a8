"""`/api/v1/embedder` on both databases: the server's choice by default, a project's own choice
(checked before it is kept), back to the server's, and one project never sees another's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Harness

from tracehouse.embeddings import service
from tracehouse.embeddings.local import StaticEmbedder

pytestmark = pytest.mark.anyio


async def add_credential(th: Harness, name: str, base_url: str, **fields: Any) -> None:
    body = {"name": name, "api_key": "sk-embed-0001", "base_url": base_url, **fields}
    response = await th.client.post("/api/v1/providers", json=body, headers=th.auth)
    assert response.status_code == 201, response.text


async def test_project_choice_overrides_then_falls_back(th: Harness, tiny_model_dir: Path) -> None:
    got = await th.client.get("/api/v1/embedder", headers=th.auth)
    assert got.json() == {"kind": "none", "model": None, "credential": None, "source": "server"}
    await add_credential(th, "local-openai", "http://127.0.0.1:9/v1")
    body = {"kind": "provider", "credential": "local-openai", "model": "text-embedding-3-small"}
    put = await th.client.put("/api/v1/embedder", json=body, headers=th.auth)
    assert put.status_code == 200, put.text
    assert put.json()["source"] == "project" and put.json()["kind"] == "provider"
    models = th.settings.resolved_models_dir
    shutil.copytree(tiny_model_dir, models / "tiny")
    put = await th.client.put(
        "/api/v1/embedder", json={"kind": "model2vec", "model": "tiny"}, headers=th.auth
    )
    assert put.status_code == 200, put.text
    project_rowid = 1
    embedder = service.for_project(th.app.state.runtime, project_rowid)
    assert isinstance(embedder, StaticEmbedder) and embedder.dimensions == 32
    assert (await th.client.delete("/api/v1/embedder", headers=th.auth)).status_code == 204
    assert (await th.client.get("/api/v1/embedder", headers=th.auth)).json()["kind"] == "none"
    assert (await th.client.delete("/api/v1/embedder", headers=th.auth)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "provider", "credential": "missing", "model": "m"},
        {"kind": "provider", "model": "m"},
        {"kind": "provider", "credential": "claude", "model": "m"},
        {"kind": "model2vec", "model": "/etc"},
        {"kind": "model2vec", "model": "../secrets"},
        {"kind": "model2vec", "model": "not-here"},
        {"kind": "model2vec"},
        {"kind": "provider", "credential": "claude"},
    ],
    ids=[
        "unknown-credential",
        "no-credential",
        "anthropic",
        "path",
        "dotdot",
        "missing",
        "none",
        "no-model",
    ],
)
async def test_bad_choices_are_refused_and_nothing_kept(th: Harness, body: dict[str, Any]) -> None:
    await add_credential(th, "claude", "http://127.0.0.1:9", kind="anthropic")
    response = await th.client.put("/api/v1/embedder", json=body, headers=th.auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert (await th.client.get("/api/v1/embedder", headers=th.auth)).json()["kind"] == "none"


async def test_choice_is_per_project(th: Harness) -> None:
    _, other = await th.new_project("other")
    put = await th.client.put("/api/v1/embedder", json={"kind": "none"}, headers=other)
    assert put.status_code == 200
    assert put.json()["source"] == "project"
    assert (await th.client.get("/api/v1/embedder", headers=th.auth)).json()["source"] == "server"
    got = await th.client.get("/api/v1/embedder", headers=other)
    assert got.json()["source"] == "project"


def test_server_setting_is_parsed() -> None:
    assert service.parse_setting(None) is None
    provider = service.parse_setting("provider:ollama:nomic-embed-text:latest")
    assert provider == service.Choice("provider", "nomic-embed-text:latest", "ollama")
    assert service.parse_setting("model2vec:/models/potion") == service.Choice(
        "model2vec", "/models/potion"
    )
