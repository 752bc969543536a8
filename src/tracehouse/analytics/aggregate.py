"""Additive aggregates of traces, model calls and users: what a day's roll-up row and a base
table query both yield, merged across the segments of a range."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass
class TraceAgg:
    traces: int = 0
    observations: int = 0
    failed: int = 0
    warnings: int = 0
    retried: int = 0
    latency_count: int = 0
    latency_sum: float = 0.0
    tokens: int = 0
    cost: float = 0.0

    def add_values(self, status: str, values: tuple[int, int, int, int, float, int, float]) -> None:
        """Add a group row's figures as `values_of` reads them (taken away when negative)."""
        n, observations, retried, latency_count, latency_sum, tokens, cost = values
        self.traces += n
        self.observations += observations
        self.failed += n if status == "error" else 0
        self.warnings += n if status == "warning" else 0
        self.retried += retried
        self.latency_count += latency_count
        self.latency_sum += latency_sum
        self.tokens += tokens
        self.cost += cost

    @property
    def avg_latency(self) -> float | None:
        return self.latency_sum / self.latency_count if self.latency_count else None

    def item(self, key: Any) -> dict[str, Any]:
        return {
            "key": key,
            "count": self.traces,
            "failed": self.failed,
            "error_rate": self.failed / self.traces if self.traces else None,
            "avg_latency_ms": self.avg_latency,
            "tokens": self.tokens,
            "cost": self.cost,
        }


def values_of(row: Any, sign: int = 1) -> tuple[int, int, int, int, float, int, float]:
    """A group row's figures (traces, observations, retried, latency count and sum, tokens,
    cost; PostgreSQL sums may be Decimal), times `sign`."""
    return (
        int(row.traces) * sign,
        int(row.observations) * sign,
        int(row.retried) * sign,
        int(row.latency_count) * sign,
        float(row.latency_sum or 0.0) * sign,
        int(row.tokens) * sign,
        float(row.cost) * sign,
    )


@dataclass
class ModelAgg:
    traces: int = 0
    calls: int = 0
    failed_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost: float = 0.0
    duration_sum: float = 0.0
    duration_count: int = 0

    def add(self, row: Any, sign: int = 1) -> None:
        _add_fields(self, row, sign)

    @classmethod
    def of(cls, values: list[float]) -> ModelAgg:
        """From the summed figures of traces' model calls: the trace count, then
        `tables.analytics.MODEL_FIGURES` in order."""
        traces, calls, failed, input_tokens, output_tokens, total, cost, duration, timed = values
        return cls(
            int(traces),
            int(calls),
            int(failed),
            int(input_tokens),
            int(output_tokens),
            int(total),
            float(cost),
            float(duration),
            int(timed),
        )


@dataclass
class UserAgg:
    traces: int = 0
    failed: int = 0
    latency_count: int = 0
    latency_sum: float = 0.0
    tokens: int = 0
    cost: float = 0.0

    def add(self, row: Any, sign: int = 1) -> None:
        _add_fields(self, row, sign)

    def item(self, key: Any) -> dict[str, Any]:
        return {
            "key": key,
            "count": self.traces,
            "failed": self.failed,
            "error_rate": self.failed / self.traces if self.traces else None,
            "avg_latency_ms": self.latency_sum / self.latency_count if self.latency_count else None,
            "tokens": self.tokens,
            "cost": self.cost,
        }


def _add_fields(agg: Any, row: Any, sign: int) -> None:
    """Add (`sign` 1) or take away (-1) each field of `row` (PostgreSQL sums may be Decimal)
    in the field's own type."""
    kinds = _KINDS.get(type(agg))
    if kinds is None:
        kinds = _KINDS[type(agg)] = tuple((f.name, type(f.default)) for f in fields(agg))
    for name, kind in kinds:
        setattr(agg, name, getattr(agg, name) + kind(getattr(row, name) or 0) * sign)


#: (name, type of its default) of each field, per aggregate class.
_KINDS: dict[type, tuple[tuple[str, type], ...]] = {}
