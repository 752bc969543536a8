"""The significance tests against reference values (scipy 1.17
`mannwhitneyu(x, y, method="asymptotic")`; the pooled two-proportion z-test as in textbooks
and statsmodels' `proportions_ztest`; Student's t from printed tables); the histogram form of
Mann-Whitney U (what the version roll-ups answer) equal to the test over the values."""

from __future__ import annotations

from collections import Counter

import pytest

from tracehouse.versions.significance import (
    mann_whitney_hist,
    mann_whitney_u,
    normal_sf,
    student_two_sided,
    two_proportions,
    welch_t,
)

CASES = [
    ([19, 22, 16, 29, 24], [20, 11, 17, 12], 17.0, 0.11134688653314041),
    ([1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6, 7], 8.5, 0.025279736885893914),  # ties
    ([0.1 * i for i in range(30)], [0.1 * i + 0.7 for i in range(25)], 268.5, 0.07309901451841079),
]


@pytest.mark.parametrize(("x", "y", "u", "p"), CASES, ids=["distinct", "ties", "shifted"])
def test_mann_whitney_u_matches_scipy(x: list[float], y: list[float], u: float, p: float) -> None:
    result = mann_whitney_u(sorted(x), sorted(y))
    assert result is not None
    assert result.statistic == pytest.approx(u)
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_mann_whitney_u_degenerate() -> None:
    assert mann_whitney_u([], [1.0]) is None
    assert mann_whitney_u([2.0, 2.0], [2.0, 2.0, 2.0]) is None  # no variance
    same = mann_whitney_u([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same is not None and same.p_value == 1.0 and not same.significant


@pytest.mark.parametrize(
    ("counts", "z", "p"),
    [((40, 100, 55, 100), 2.1239769762143665, 0.03367206885634577),
     ((12, 500, 31, 480), 3.100718572903081, 0.0019305167567714233)],
    ids=["equal-sizes", "unequal-sizes"],
)  # fmt: skip
def test_two_proportions(counts: tuple[int, int, int, int], z: float, p: float) -> None:
    result = two_proportions(*counts)
    assert result is not None and result.significant
    assert result.statistic == pytest.approx(z, rel=1e-12)
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_two_proportions_degenerate_and_normal_tail() -> None:
    assert two_proportions(0, 0, 1, 10) is None
    assert two_proportions(0, 50, 0, 70) is None  # no errors on either side
    assert normal_sf(1.959963984540054) == pytest.approx(0.025, rel=1e-12)


@pytest.mark.parametrize(("x", "y", "u", "p"), CASES, ids=["distinct", "ties", "shifted"])
def test_mann_whitney_over_histograms_equals_over_values(
    x: list[float], y: list[float], u: float, p: float
) -> None:
    """Buckets keyed in the values' order: the same U and p-value, ties and all."""
    rank = {v: i for i, v in enumerate(sorted(set(x) | set(y)))}
    result = mann_whitney_hist(Counter(rank[v] for v in x), Counter(rank[v] for v in y))
    assert result is not None
    assert result.statistic == pytest.approx(u)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert mann_whitney_hist({}, {1: 2}) is None
    assert mann_whitney_hist({3: 2}, {3: 5}) is None  # every value tied


@pytest.mark.parametrize(
    ("t", "df", "p"),
    [(2.0, 10, 0.0733880347707), (2.228139, 10, 0.05), (12.706205, 1, 0.05), (1.959964, 1e9, 0.05)],
    ids=["t2-df10", "critical-df10", "critical-df1", "normal-limit"],
)  # fmt: skip
def test_student_t_two_sided(t: float, df: float, p: float) -> None:
    assert student_two_sided(t, df) == pytest.approx(p, rel=1e-5)
    assert student_two_sided(-t, df) == pytest.approx(p, rel=1e-5)


def test_welch_t_from_moments() -> None:
    """a = 1..4, b = 2, 4, ..., 10: means 2.5 and 6, variances 5/3 and 10, so
    t = -3.5 / sqrt(5/12 + 2) and df = (29/12)^2 / ((5/12)^2 / 3 + 2^2 / 4)."""
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    result = welch_t(_moments(a), _moments(b))
    assert result is not None and result.test == "welch_t"
    t = -3.5 / (5 / 12 + 2) ** 0.5
    df = (29 / 12) ** 2 / ((5 / 12) ** 2 / 3 + 1)
    assert result.statistic == pytest.approx(t, rel=1e-12)
    assert result.p_value == pytest.approx(student_two_sided(t, df), rel=1e-12)
    assert 0.05 < result.p_value < 0.1 and not result.significant
    assert welch_t(_moments([1.0]), _moments(b)) is None  # one value: no variance
    assert welch_t(_moments([2.0, 2.0]), _moments([2.0, 2.0])) is None


def _moments(values: list[float]) -> tuple[float, float, float]:
    return (float(len(values)), sum(values), sum(v * v for v in values))
