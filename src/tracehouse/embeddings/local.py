"""A local static-embedding model (model2vec: a token table, no PyTorch, milliseconds per text on
a CPU), loaded from a directory or from a name already in the Hugging Face cache. Nothing is
downloaded unless `TRACEHOUSE_EMBEDDER_ALLOW_DOWNLOAD` says so; docs/memory.md shows how to
fetch a model once."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import numpy as np

from tracehouse.embeddings.base import EmbedderUnavailable, Matrix, as_matrix

_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def _cached_snapshot(name: str) -> Path | None:
    """The local copy of a Hub model id, looked up without any network call."""
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(huggingface_hub.snapshot_download(name, local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError):
        return None


def _resolve(model: str, allow_download: bool) -> str:
    """A directory to load `model` from, or (download allowed) the Hub id itself."""
    if Path(model).is_dir():
        return model
    snapshot = _cached_snapshot(model) if model.count("/") == 1 else None
    if snapshot is not None:
        return str(snapshot)
    if allow_download:
        return model
    raise EmbedderUnavailable(
        f"The model2vec model {model!r} is neither a directory nor in the local Hugging Face "
        "cache; fetch it once (docs/memory.md) or allow downloads."
    )


def load(model: str, *, allow_download: bool = False) -> Any:
    """The `StaticModel` for `model`, loaded once per process."""
    with _lock:
        if model in _loaded:
            return _loaded[model]
        source = _resolve(model, allow_download)
        from model2vec import StaticModel

        try:
            static = StaticModel.from_pretrained(source, force_download=False)
        except Exception as exc:  # a broken directory or a failed download: say which model
            raise EmbedderUnavailable(
                f"The model2vec model {model!r} failed to load: {exc}"
            ) from exc
        _loaded[model] = static
        return static


class StaticEmbedder:
    """Embeddings from a model2vec `StaticModel` (computed on a worker thread)."""

    def __init__(self, model: str, static: Any) -> None:
        self.model = model
        self._static = static

    @classmethod
    def open(cls, model: str, *, allow_download: bool = False) -> StaticEmbedder:
        return cls(model, load(model, allow_download=allow_download))

    @property
    def name(self) -> str:
        return f"model2vec:{self.model}"

    @property
    def dimensions(self) -> int | None:
        return int(self._static.dim)

    def _encode(self, texts: list[str]) -> Matrix:
        if not texts:
            return as_matrix([])
        return np.asarray(self._static.encode(texts), dtype=np.float32)

    async def embed(self, texts: list[str]) -> Matrix:
        return await asyncio.to_thread(self._encode, texts)
