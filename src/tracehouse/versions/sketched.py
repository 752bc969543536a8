"""A version's figures as the version roll-ups keep them (counts, sums, log-bucket histograms
of latency, tokens and cost, and each score's count, sum and sum of squares): what every
comparison's tests read, whether the figures come from the roll-ups or from the traces."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracehouse.analytics.contrib import COST_SCALE
from tracehouse.analytics.sketch import Sketch
from tracehouse.versions.significance import (
    Moments,
    TestResult,
    mann_whitney_hist,
    two_proportions,
    welch_t,
)


@dataclass(slots=True)
class Sketched:
    traces: int = 0
    errors: int = 0
    latency_count: int = 0
    latency_sum: float = 0.0
    tokens: float = 0.0
    cost: float = 0.0
    latency: Sketch = field(default_factory=Sketch)
    tokens_hist: Sketch = field(default_factory=Sketch)
    #: Cost in micro-USD (`contrib.COST_SCALE`).
    cost_hist: Sketch = field(default_factory=Sketch)
    scores: dict[str, Moments] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        traces: int,
        errors: int,
        latencies: list[float],
        tokens: list[float],
        costs: list[float],
        scores: dict[str, list[float]],
    ) -> Sketched:
        """From every value of a version's traces (each trace's tokens and cost)."""
        return cls(
            traces, errors, len(latencies), sum(latencies), sum(tokens), sum(costs),
            Sketch.of(latencies), Sketch.of(tokens), Sketch.of(c * COST_SCALE for c in costs),
            {name: moments(values) for name, values in scores.items()},
        )  # fmt: skip

    def summary(self) -> dict[str, float | None]:
        """Every metric of `figures.summary`, percentiles read from the latency sketch."""
        n = self.traces
        timed = self.latency_count
        out: dict[str, float | None] = {
            "volume": float(n),
            "error_rate": self.errors / n if n else None,
            "latency_mean": self.latency_sum / timed if timed else None,
            "latency_p50": self.latency.quantile(50),
            "latency_p95": self.latency.quantile(95),
            "latency_p99": self.latency.quantile(99),
            "tokens_mean": self.tokens / n if n else None,
            "tokens_total": float(self.tokens) if n else None,
            "cost_mean": self.cost / n if n else None,
            "cost_total": float(self.cost) if n else None,
        }
        for name, (count, total, _) in sorted(self.scores.items()):
            out[f"score:{name}"] = total / count if count else None
        return out


def moments(values: list[float]) -> Moments:
    return (float(len(values)), float(sum(values)), float(sum(v * v for v in values)))


def tests(a: Sketched, b: Sketched) -> dict[str, TestResult | None]:
    """The test of each metric family, `b` against `a`: error rate (two-proportion z-test),
    latency, tokens and cost (Mann-Whitney U over histogram buckets), each score (Welch)."""
    out: dict[str, TestResult | None] = {
        "error": two_proportions(a.errors, a.traces, b.errors, b.traces),
        "latency": mann_whitney_hist(b.latency.counts, a.latency.counts),
        "tokens": mann_whitney_hist(b.tokens_hist.counts, a.tokens_hist.counts),
        "cost": mann_whitney_hist(b.cost_hist.counts, a.cost_hist.counts),
    }
    for name in set(a.scores) | set(b.scores):
        out[f"score:{name}"] = welch_t(b.scores.get(name), a.scores.get(name))
    return out
