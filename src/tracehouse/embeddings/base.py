"""What every embedder offers, and the one error they raise when they cannot answer."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from tracehouse.errors import Unavailable

#: An (n, dimensions) float32 matrix: one row per text, in the order given.
Matrix = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. `name` identifies the model (recorded with every index so a
    change of embedder is noticed); `dimensions` is known once the model answered (or loaded)."""

    @property
    def name(self) -> str: ...

    @property
    def dimensions(self) -> int | None: ...

    async def embed(self, texts: list[str]) -> Matrix:
        """One row per text; raises `EmbedderUnavailable` when the model cannot answer."""
        ...


class EmbedderUnavailable(Unavailable):
    """The embedder could not answer (provider down, model missing): callers fall back to
    keyword search and say so."""


def as_matrix(rows: list[list[float]] | Matrix) -> Matrix:
    """Rows as a float32 matrix (an empty list gives a 0 x 0 one)."""
    matrix = np.asarray(rows, dtype=np.float32)
    return matrix if matrix.ndim == 2 else matrix.reshape(len(rows), 0 if not len(rows) else -1)
