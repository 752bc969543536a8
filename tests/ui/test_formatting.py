"""Numbers and values the same everywhere in the UI: costs below a cent readable, counts
without exponents, booleans as true/false, nothing as "None"."""

from __future__ import annotations

import pytest

from tracehouse.ui.templating import cost, number, score_value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "\u2013"), (0, "$0"), (0.0042, "$0.0042"), (0.000037, "$0.000037"),
        (0.00004, "$0.00004"), (0.1, "$0.10"), (0.12345, "$0.1235"), (1.5, "$1.50"),
        (12345.678, "$12,345.68"),
    ],
    ids=["none", "zero", "below-a-cent", "tiny", "tinier", "dime", "four-places", "dollars",
         "many"],
)  # fmt: skip
def test_cost(value: float | None, shown: str) -> None:
    assert cost(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(10070, "10,070"), (1.25, "1.25"), (3_400_000, "3.4M"), (12.0, "12"), (2e9, "2B"),
     (0.5, "0.5"), (None, "\u2013")],
    ids=["thousands", "decimals", "millions", "whole", "billions", "half", "none"],
)  # fmt: skip
def test_number_is_never_an_exponent(value: float | None, shown: str) -> None:
    assert number(value) == shown


def test_score_values() -> None:
    assert [score_value(v) for v in (True, False, 0.5, 1.0, "good", None)] == [
        "true", "false", "0.5", "1", "good", "\u2013",
    ]  # fmt: skip
