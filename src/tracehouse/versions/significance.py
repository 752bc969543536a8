"""Two-sided significance tests for comparing two versions: the Mann-Whitney U test (latency,
tokens, cost, scores: no assumption of normality) and the two-proportion z-test (error rate).
Both use the normal approximation (scipy's `mannwhitneyu(method="asymptotic")` with its tie and
continuity corrections; statsmodels' `proportions_ztest` with the pooled proportion)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
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


def mann_whitney_hist(a: Mapping[int, int], b: Mapping[int, int]) -> TestResult | None:
    """`mann_whitney_u` over histograms ({bucket: count}, buckets ordered as their values):
    values sharing a bucket are ties. What the version roll-ups can answer, and what the
    comparison runs on both paths (on `sketch` buckets: values equal within 1%)."""
    n1, n2 = sum(a.values()), sum(b.values())
    if n1 <= 0 or n2 <= 0:
        return None
    u = ties = 0.0
    below = 0  # values of b in lower buckets
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, 0), b.get(key, 0)
        u += x * (below + y / 2)
        below += y
        ties += (x + y) ** 3 - (x + y)
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return None
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return TestResult("mann_whitney_u", u, min(1.0, 2 * normal_sf(max(z, 0.0))))


#: A sample summarised: (count, sum, sum of squares).
Moments = tuple[float, float, float]


def welch_t(a: Moments | None, b: Moments | None) -> TestResult | None:
    """Welch's t-test of the mean of `a` against that of `b` (t > 0 when `a`'s is the larger),
    from their moments alone; the p-value from Student's t with the Welch-Satterthwaite degrees
    of freedom (as scipy's `ttest_ind(equal_var=False)`). None without two values a side or
    without any variance."""
    if a is None or b is None or a[0] < 2 or b[0] < 2:
        return None
    (mean_a, var_a), (mean_b, var_b) = _mean_var(a), _mean_var(b)
    sa, sb = var_a / a[0], var_b / b[0]
    if sa + sb <= 0:
        return None
    t = (mean_a - mean_b) / math.sqrt(sa + sb)
    df = (sa + sb) ** 2 / (sa * sa / (a[0] - 1) + sb * sb / (b[0] - 1))
    return TestResult("welch_t", t, min(1.0, student_two_sided(t, df)))


def _mean_var(m: Moments) -> tuple[float, float]:
    n, total, squares = m
    mean = total / n
    return mean, max(0.0, (squares - total * mean) / (n - 1))


def student_two_sided(t: float, df: float) -> float:
    """P(|T| > |t|) for Student's T with `df` degrees of freedom."""
    return _betainc(df / 2, 0.5, df / (df + t * t))


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (its continued fraction)."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    log_front = a * math.log(x) + b * math.log1p(-x)
    log_front += math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _fraction(b, a, 1.0 - x) / b


def _fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), evaluated by the modified Lentz method."""
    c, d = 1.0, _nonzero(1.0 - (a + b) * x / (a + 1.0))
    d = 1.0 / d
    out = d
    for m in range(1, 500):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for step in (even, odd):
            d = 1.0 / _nonzero(1.0 + step * d)
            c = _nonzero(1.0 + step / c)
            out *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return out


def _nonzero(value: float) -> float:
    return value if abs(value) > 1e-300 else 1e-300
