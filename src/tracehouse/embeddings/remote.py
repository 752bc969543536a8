"""An OpenAI-compatible embeddings client (`POST …/embeddings`): OpenAI, Azure OpenAI (the model
names the deployment), and every server speaking the same API (Ollama, vLLM, LM Studio, LiteLLM).
It uses a project's stored provider credential, with that credential's timeout and retries."""

from __future__ import annotations

from typing import Any

import httpx

from tracehouse.embeddings.base import EmbedderUnavailable, Matrix, as_matrix
from tracehouse.providers.client import DEFAULT_URLS, Provider, ProviderError, post_json

#: Texts sent in one request (OpenAI accepts 2,048 inputs; smaller batches fail smaller).
BATCH = 256


class ProviderEmbedder:
    """Embeddings from a provider credential's endpoint."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        *,
        dimensions: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if provider.kind not in ("openai", "azure"):
            raise EmbedderUnavailable(
                f"A {provider.kind} credential has no embeddings endpoint: use an "
                "OpenAI-compatible or Azure credential, or a local model2vec model."
            )
        self.provider = provider
        self.model = model
        self._dimensions = dimensions
        self._transport = transport

    @property
    def name(self) -> str:
        return f"provider:{self.model}@{self._base()}"

    @property
    def dimensions(self) -> int | None:
        return self._dimensions

    def _base(self) -> str:
        return (self.provider.base_url or DEFAULT_URLS.get(self.provider.kind, "")).rstrip("/")

    def _request(self, texts: list[str]) -> tuple[str, dict[str, str], dict[str, str]]:
        """(url, headers, query) of one call."""
        if self.provider.kind == "azure":
            url = f"{self._base()}/deployments/{self.model}/embeddings"
            version = {"api-version": self.provider.api_version or "2024-06-01"}
            return url, {"api-key": self.provider.api_key}, version
        return (
            f"{self._base()}/embeddings",
            {"Authorization": f"Bearer {self.provider.api_key}"},
            {},
        )

    async def _batch(self, texts: list[str]) -> list[list[float]]:
        url, headers, query = self._request(texts)
        body: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "float"}
        try:
            data, _ = await post_json(
                self.provider, url, body, headers=headers, query=query, transport=self._transport
            )
        except ProviderError as exc:
            raise EmbedderUnavailable(f"The embeddings provider failed: {exc}") from exc
        return _vectors(data, len(texts))

    async def embed(self, texts: list[str]) -> Matrix:
        rows: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            rows.extend(await self._batch(texts[start : start + BATCH]))
        matrix = as_matrix(rows)
        if rows:
            self._dimensions = int(matrix.shape[1])
        return matrix


def _vectors(data: dict[str, Any], expected: int) -> list[list[float]]:
    """The vectors of an answer, in input order (`index` says which input each is)."""
    items = data.get("data")
    if not isinstance(items, list) or len(items) != expected:
        raise EmbedderUnavailable("The embeddings provider answered without one vector per text.")
    try:
        ordered = sorted(items, key=lambda item: int(item.get("index", 0)))
        vectors = [[float(x) for x in item["embedding"]] for item in ordered]
    except (TypeError, KeyError, ValueError) as exc:
        raise EmbedderUnavailable("The embeddings provider answered something unreadable.") from exc
    if len({len(v) for v in vectors}) > 1:
        raise EmbedderUnavailable("The embeddings provider answered vectors of mixed sizes.")
    return vectors
