"""The significance tests against reference values (scipy 1.17
`mannwhitneyu(x, y, method="asymptotic")`; the pooled two-proportion z-test as in textbooks
and statsmodels' `proportions_ztest`)."""

from __future__ import annotations

import pytest

from tracehouse.versions.significance import mann_whitney_u, normal_sf, two_proportions

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
