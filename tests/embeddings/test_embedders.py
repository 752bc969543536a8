"""The embedders: the OpenAI-compatible client (against the local fake server) and the local
model2vec model (the tiny one the tests build), including their failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import numpy as np
import pytest
from tests.fake_openai import SCRIPT, fake_openai

from tracehouse.embeddings import local
from tracehouse.embeddings.base import Embedder, EmbedderUnavailable
from tracehouse.embeddings.local import StaticEmbedder
from tracehouse.embeddings.remote import ProviderEmbedder
from tracehouse.providers.client import Provider

pytestmark = pytest.mark.anyio


@pytest.fixture
def openai_url() -> Iterator[str]:
    SCRIPT.reset()
    with fake_openai() as url:
        yield url


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


async def test_provider_embedder_paraphrase_is_near(openai_url: str) -> None:
    provider = Provider("openai", "sk-test", base_url=openai_url, backoff_seconds=0)
    embedder = ProviderEmbedder(provider, "text-embedding-3-small")
    assert isinstance(embedder, Embedder)
    assert embedder.dimensions is None
    texts = ["The user prefers dark mode", "customer loves night theme", "espresso please"]
    matrix = await embedder.embed(texts)
    assert matrix.shape == (3, 64) and matrix.dtype == np.float32
    assert embedder.dimensions == 64
    assert _cos(matrix[0], matrix[1]) > 0.8 > _cos(matrix[0], matrix[2])
    assert embedder.name == f"provider:text-embedding-3-small@{openai_url}"
    path, headers = SCRIPT.calls[0]
    assert path == "/v1/embeddings" and headers["authorization"] == "Bearer sk-test"
    assert SCRIPT.requests[0]["input"] == texts


async def test_provider_embedder_batches_and_keeps_order(
    openai_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracehouse.embeddings.remote.BATCH", 2)
    provider = Provider("openai", "sk-test", base_url=openai_url)
    texts = ["coffee", "tea", "dark", "coffee"]
    matrix = await ProviderEmbedder(provider, "m").embed(texts)
    assert len(SCRIPT.requests) == 2
    assert _cos(matrix[0], matrix[3]) == pytest.approx(1.0)
    assert (await ProviderEmbedder(provider, "m").embed([])).shape[0] == 0


async def test_provider_embedder_down_or_refusing_is_unavailable(openai_url: str) -> None:
    SCRIPT.reset(("status", 401))
    provider = Provider("openai", "sk-secret-key", base_url=openai_url, backoff_seconds=0)
    with pytest.raises(EmbedderUnavailable) as refused:
        await ProviderEmbedder(provider, "m").embed(["x"])
    assert "401" in str(refused.value) and "sk-secret-key" not in str(refused.value)
    closed = Provider("openai", "k", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(EmbedderUnavailable):
        await ProviderEmbedder(closed, "m").embed(["x"])
    with pytest.raises(EmbedderUnavailable, match="no embeddings endpoint"):
        ProviderEmbedder(Provider("anthropic", "k"), "m")


async def test_azure_embedder_uses_the_deployment_path(openai_url: str) -> None:
    provider = Provider("azure", "az-key", base_url=openai_url.removesuffix("/v1") + "/openai")
    await ProviderEmbedder(provider, "embed-deploy").embed(["coffee"])
    path, headers = SCRIPT.calls[0]
    assert path.startswith("/openai/deployments/embed-deploy/embeddings?api-version=")
    assert headers["api-key"] == "az-key"


async def test_static_embedder_from_a_directory(tiny_model_dir: Path) -> None:
    embedder = StaticEmbedder.open(str(tiny_model_dir))
    assert embedder.dimensions == 32
    assert embedder.name == f"model2vec:{tiny_model_dir}"
    matrix = await embedder.embed(["the user prefers dark mode", "likes night theme", "tea"])
    assert matrix.dtype == np.float32 and matrix.shape == (3, 32)
    assert _cos(matrix[0], matrix[1]) > 0.8 > _cos(matrix[0], matrix[2])
    assert (await embedder.embed([])).shape[0] == 0


async def test_static_model_by_name_comes_from_the_cache_only(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderUnavailable, match="fetch it once"):
        StaticEmbedder.open("acme/tiny-static")
    repo = tmp_path / "hub" / "models--acme--tiny-static"
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    for item in tiny_model_dir.iterdir():
        (snapshot / item.name).write_bytes(item.read_bytes())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    embedder = StaticEmbedder.open("acme/tiny-static")
    assert embedder.dimensions == 32
    assert local.load("acme/tiny-static") is local.load("acme/tiny-static")


async def test_a_broken_model_directory_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    with pytest.raises(EmbedderUnavailable, match="failed to load"):
        StaticEmbedder.open(str(tmp_path / "broken"))
