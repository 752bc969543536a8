"""Plain statistics on lists of numbers: percentiles (linear interpolation between ranks)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) of ascending values: linear interpolation between the two
    closest ranks, rank = q/100 * (n - 1) (the default of NumPy, `method="inclusive"`)."""
    if not ordered:
        return None
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentiles(ordered: Sequence[float]) -> dict[str, float | None]:
    return {f"p{q}": percentile(ordered, q) for q in (50, 95, 99)}


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
