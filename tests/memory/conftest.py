"""Fixtures of the memory tests: the fake OpenAI-compatible server (its embeddings are concept
vectors) and the tiny model2vec model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import Harness
from tests.embeddings.conftest import tiny_model_dir
from tests.fake_openai import SCRIPT, fake_openai

__all__ = ["openai_url", "tiny_model_dir"]


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai() as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_script() -> None:
    SCRIPT.reset()


async def use_provider(
    th: Harness, base_url: str, headers: dict[str, str] | None = None, **fields: Any
) -> None:
    """Give the project an embeddings credential and make it the project's embedder."""
    auth = headers or th.auth
    body = {"name": "embed", "api_key": "sk-embed-0001", "base_url": base_url, **fields}
    made = await th.client.post("/api/v1/providers", json=body, headers=auth)
    assert made.status_code == 201, made.text
    choice = {"kind": "provider", "credential": "embed", "model": "text-embedding-3-small"}
    put = await th.client.put("/api/v1/embedder", json=choice, headers=auth)
    assert put.status_code == 200, put.text


async def remember(th: Harness, headers: dict[str, str] | None = None, **body: Any) -> Any:
    body.setdefault("scope", "user/alice")
    response = await th.client.post("/api/v1/memory", json=body, headers=headers or th.auth)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def search(th: Harness, headers: dict[str, str] | None = None, **body: Any) -> Any:
    response = await th.client.post("/api/v1/memory/search", json=body, headers=headers or th.auth)
    assert response.status_code == 200, response.text
    return response.json()
