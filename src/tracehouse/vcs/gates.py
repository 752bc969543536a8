"""CI gates: a threshold on one metric of a CI run's traces (a score's mean, cost, latency,
error rate...), absolute or against the baseline run's figure, and its evaluation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tracehouse.http.schemas import RequestModel

METRIC_PATTERN = (
    r"^(volume|error_rate|latency_(mean|p50|p95|p99)|tokens_(mean|total)|cost_(mean|total)"
    r"|score:.{1,200})$"
)
_OPS = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__, ">": float.__gt__}


class GateIn(RequestModel):
    """`metric op value`, e.g. `score:accuracy >= 0.8`; with `baseline`, the bound is the
    baseline run's figure plus `value` (a percentage of it with `relative`): `latency_p95 <=
    baseline + 10%` is `{"metric": "latency_p95", "op": "<=", "value": 10, "baseline": true,
    "relative": true}`."""

    metric: str = Field(pattern=METRIC_PATTERN, description="error_rate, latency_p95, ...")
    op: Literal["<=", ">=", "<", ">"]
    value: float = Field(allow_inf_nan=False)
    baseline: bool = Field(False, description="Against the baseline run's figure.")
    relative: bool = Field(False, description="`value` is a percentage of the baseline's.")
    significant: bool = Field(
        False, description="Against a baseline: fail only when the change is also significant."
    )


def label(gate: GateIn) -> str:
    """The gate as one writes it: `latency_p95 <= baseline + 10%`."""
    if not gate.baseline:
        return f"{gate.metric} {gate.op} {gate.value:g}"
    sign = "-" if gate.value < 0 else "+"
    unit = "%" if gate.relative else ""
    return f"{gate.metric} {gate.op} baseline {sign} {abs(gate.value):g}{unit}"


def evaluate(
    gate: GateIn,
    actual: float | None,
    base: float | None,
    comparison: dict[str, Any] | None,
) -> dict[str, Any]:
    """The gate's result: its bound, the run's figure, the baseline's, and whether it passed."""
    out: dict[str, Any] = {
        "gate": label(gate), "metric": gate.metric, "op": gate.op, "value": gate.value,
        "baseline": gate.baseline, "relative": gate.relative, "actual": actual,
        "baseline_value": base, "bound": None, "significant": None, "passed": False,
        "reason": None,
    }  # fmt: skip
    if gate.baseline:
        if base is None:
            return {**out, "passed": True, "reason": "no baseline figure: not checked"}
        bound = base * (1 + gate.value / 100) if gate.relative else base + gate.value
        out["significant"] = bool(comparison and comparison["significant"])
    else:
        bound = gate.value
    out["bound"] = bound
    if actual is None:
        return {**out, "reason": "no value in this run"}
    passed = _OPS[gate.op](float(actual), float(bound))
    if not passed and gate.baseline and gate.significant and not out["significant"]:
        return {**out, "passed": True, "reason": "beyond the bound, but not significant"}
    return {**out, "passed": passed}
