"""Vectors as compact float32 blobs (4 bytes per dimension, little-endian: the layout sqlite-vec
reads too), and exact cosine top-k over them in numpy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from tracehouse.embeddings.base import Matrix

Vector = npt.NDArray[np.float32]
K = TypeVar("K")
_DTYPE = np.dtype("<f4")


def pack(vector: Sequence[float] | Vector) -> bytes:
    """A vector as a float32 blob."""
    return np.asarray(vector, dtype=_DTYPE).tobytes()


def unpack(blob: bytes) -> Vector:
    """The vector a blob holds (read-only: it shares the blob's memory)."""
    return np.frombuffer(blob, dtype=_DTYPE).astype(np.float32, copy=False)


def normalized(matrix: Matrix) -> Matrix:
    """Rows scaled to length 1 (zero rows stay zero), so a dot product is the cosine."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    scaled: Matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return scaled


def matrix_of(blobs: Sequence[bytes], size: int) -> Matrix:
    """Blobs of `size` dimensions each as one (n, size) matrix (a single copy)."""
    return np.frombuffer(b"".join(blobs), dtype=_DTYPE).reshape(len(blobs), size)


def top_k(
    query: Vector,
    candidates: Sequence[tuple[K, bytes]],
    k: int,
    min_score: float | None = None,
) -> list[tuple[K, float]]:
    """The `k` candidates most similar to `query` by cosine, best first, as (key, score);
    candidates of another size (written by another model) are ignored."""
    size = int(query.shape[-1])
    kept = [(key, blob) for key, blob in candidates if len(blob) == size * _DTYPE.itemsize]
    if not kept or k <= 0:
        return []
    matrix = matrix_of([blob for _, blob in kept], size)
    norms = np.linalg.norm(matrix, axis=1)
    unit = normalized(query.reshape(1, -1).astype(np.float32))[0]
    scores = (matrix @ unit) / np.where(norms > 0, norms, 1.0)
    k = min(k, len(kept))
    best = np.argpartition(-scores, k - 1)[:k]
    order = best[np.argsort(-scores[best], kind="stable")]
    hits = [(kept[i][0], float(scores[i])) for i in order]
    return [hit for hit in hits if min_score is None or hit[1] >= min_score]
