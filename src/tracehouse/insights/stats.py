"""Two-sample tests in plain Python: Mann-Whitney U (normal approximation with tie correction)
and the two-proportion z-test; two-sided p-values."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TestResult:
    name: str
    statistic: float
    z: float
    p_value: float


def _two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> TestResult | None:
    """U of sample `b` against `a` (how often a value of `b` exceeds one of `a`, ties half)."""
    n1, n2 = len(a), len(b)
    if not n1 or not n2:
        return None
    ordered = sorted(a)
    u = sum(
        bisect_left(ordered, y) + (bisect_right(ordered, y) - bisect_left(ordered, y)) / 2
        for y in b
    )
    ties = sum(t**3 - t for t in Counter([*a, *b]).values() if t > 1)
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
