"""Request model of `/api/v1/embedder`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracehouse.http.schemas import RequestModel


class EmbedderIn(RequestModel):
    """The project's embedder: `provider` (a stored OpenAI-compatible or Azure credential and an
    embeddings model), `model2vec` (a local model by name: a folder of the server's models
    directory or a Hugging Face id already in its cache), or `none` (keyword search only)."""

    kind: Literal["provider", "model2vec", "none"]
    model: str | None = Field(None, min_length=1, max_length=300)
    credential: str | None = Field(
        None, min_length=1, max_length=200, description="Provider credential id or name."
    )
