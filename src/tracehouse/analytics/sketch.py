"""A mergeable latency histogram with fixed logarithmic buckets (as DDSketch): any quantile
read from it is within 1% of the true value, and the histograms of days add up."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import orjson

ACCURACY = 0.01
GAMMA = (1 + ACCURACY) / (1 - ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
_ZERO = -(10**6)  # the bucket of latencies of 0 ms (and below 1 µs)


def bucket(value: float) -> int:
    if value < 1e-3:
        return _ZERO
    return math.ceil(math.log(value) / _LOG_GAMMA)


def estimate(index: int) -> float:
    """The value a bucket stands for: within ACCURACY of every value in it."""
    if index == _ZERO:
        return 0.0
    return 2 * GAMMA**index / (GAMMA + 1)


class Sketch:
    def __init__(self, counts: Counter[int] | None = None):
        self.counts: Counter[int] = counts or Counter()

    @classmethod
    def of(cls, values: Iterable[float]) -> Sketch:
        return cls(Counter(bucket(v) for v in values))

    def dumps(self) -> str:
        return orjson.dumps({str(k): v for k, v in self.counts.items()}).decode()

    def merge(self, other: Sketch, sign: int = 1) -> None:
        """Add the other's counts (`sign` -1: take them away; `prune` once done)."""
        if sign > 0:
            self.counts.update(other.counts)
        else:
            self.counts.subtract(other.counts)

    def merge_text(self, text: str) -> None:
        """Add the counts of a stored histogram (`dumps`) without building a Sketch of it."""
        counts = self.counts
        for key, n in orjson.loads(text).items():
            counts[int(key)] += n

    def prune(self) -> None:
        """Drop the buckets left empty (or below) by taking counts away."""
        self.counts = +self.counts

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def quantile(self, q: float) -> float | None:
        """The q-th percentile (0-100), interpolated between ranks like `stats.percentile`."""
        n = self.count
        if not n:
            return None
        rank = q / 100 * (n - 1)
        low = math.floor(rank)
        a, b = self._at(low), self._at(min(low + 1, n - 1))
        return a + (b - a) * (rank - low)

    def _at(self, rank: int) -> float:
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen > rank:
                return estimate(index)
        raise IndexError(rank)
