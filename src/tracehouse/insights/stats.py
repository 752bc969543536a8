"""Two-sample tests in plain Python: Mann-Whitney U (normal approximation with tie correction)
and the two-proportion z-test; two-sided p-values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]


@dataclass(frozen=True, slots=True)
class TestResult:
    name: str
    statistic: float
    z: float
    p_value: float


def _two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def mann_whitney(
    a: Sequence[float] | FloatArray, b: Sequence[float] | FloatArray
) -> TestResult | None:
    """U of sample `b` against `a` (how often a value of `b` exceeds one of `a`, ties half);
    counted with NumPy (sorted once, every value of `b` placed by binary search)."""
    xs, ys = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n1, n2 = len(xs), len(ys)
    if not n1 or not n2:
        return None
    ordered = np.sort(xs)
    below = np.searchsorted(ordered, ys, "left")
    at_most = np.searchsorted(ordered, ys, "right")
    u = float(below.sum()) + float((at_most - below).sum()) / 2
    _, counts = np.unique(np.concatenate([xs, ys]), return_counts=True)
    tied = counts[counts > 1].astype(object)  # Python ints: t**3 of a large tie overflows int64
    ties = int((tied**3 - tied).sum()) if len(tied) else 0
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if variance <= 0:
        return TestResult("mann_whitney_u", u, 0.0, 1.0)
    z = (u - n1 * n2 / 2) / math.sqrt(variance)
    return TestResult("mann_whitney_u", u, z, _two_sided(z))


def two_proportions(x1: int, n1: int, x2: int, n2: int) -> TestResult | None:
    """z-test that the rate x2/n2 differs from x1/n1 (pooled standard error)."""
    if not n1 or not n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    diff = x2 / n2 - x1 / n1
    if se == 0:
        return TestResult("two_proportion_z", diff, 0.0, 1.0)
    z = diff / se
    return TestResult("two_proportion_z", diff, z, _two_sided(z))
