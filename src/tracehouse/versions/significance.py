"""Two-sided significance tests for comparing two versions: the Mann-Whitney U test (latency,
tokens, cost, scores: no assumption of normality) and the two-proportion z-test (error rate).
Both use the normal approximation (scipy's `mannwhitneyu(method="asymptotic")` with its tie and
continuity corrections; statsmodels' `proportions_ztest` with the pooled proportion)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class TestResult:
    """A test's name, its statistic (U or z) and its two-sided p-value."""

    test: str
    statistic: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    def as_dict(self) -> dict[str, object]:
        return {
            "test": self.test,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "significant": self.significant,
        }


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> TestResult | None:
    """Mann-Whitney U of `a` against `b`, both sorted ascending: U counts the pairs where `a`
    is the larger (ties count a half). None when a side is empty or every value is equal."""
    n1, n2 = len(a), len(b)
    if not n1 or not n2:
        return None
    below = sum(map(bisect_left, repeat(b), a))
    at_most = sum(map(bisect_right, repeat(b), a))
    u = (below + at_most) / 2
    n = n1 + n2
    counts = Counter(a)
    counts.update(b)
    ties = sum(t * t * t - t for t in counts.values() if t > 1)
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return None
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return TestResult("mann_whitney_u", u, min(1.0, 2 * normal_sf(max(z, 0.0))))


def two_proportions(x1: int, n1: int, x2: int, n2: int) -> TestResult | None:
    """z-test of the proportions x1/n1 and x2/n2 (pooled standard error); z > 0 when the
    second is the larger. None when a side is empty or the pooled proportion is 0 or 1."""
    if not n1 or not n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return None
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x2 / n2 - x1 / n1) / se
    return TestResult("two_proportion_z", z, min(1.0, 2 * normal_sf(abs(z))))
