"""Cost recommendations: each derived from the figures of the range, with its reasoning and an
estimated monthly saving (the range's spend scaled to 30 days)."""

from __future__ import annotations

import statistics
from typing import Any

MONTH_DAYS = 30.0
MIN_CALLS = 10  # fewer calls say too little about a model's or feature's cost
DOWNGRADE_RATIO = 3.0  # a model this many times dearer per call than the cheapest one in use
DOWNGRADE_SHARE = 0.5  # assumed share of its calls that a cheaper model could serve
FEATURE_RATIO = 3.0  # a feature this many times dearer per trace than the median feature
FEATURE_CUT = 0.3  # assumed cut of that feature's spend from trimming context / caching


def _priority(monthly: float) -> str:
    return "high" if monthly >= 100 else "medium" if monthly >= 10 else "low"


def _item(
    kind: str, monthly: float, message: str, reasoning: str, **evidence: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "priority": _priority(monthly),
        "message": message,
        "reasoning": reasoning,
        "estimated_monthly_savings": round(monthly, 6),
        "potential_savings": f"${monthly:,.2f}/month",
        "evidence": evidence,
    }


def model_downgrades(models: list[dict[str, Any]], days: float) -> list[dict[str, Any]]:
    used = [m for m in models if m["calls"] >= MIN_CALLS and m["cost"] > 0]
    if len(used) < 2:
        return []
    cheapest = min(used, key=lambda m: m["avg_cost_per_call"])
    out = []
    for m in used:
        ratio = m["avg_cost_per_call"] / cheapest["avg_cost_per_call"]
        if m is cheapest or ratio < DOWNGRADE_RATIO:
            continue
        saved = (
            DOWNGRADE_SHARE * m["calls"] * (m["avg_cost_per_call"] - cheapest["avg_cost_per_call"])
        )
        monthly = saved * MONTH_DAYS / days
        out.append(
            _item(
                "model_downgrade",
                monthly,
                f'"{m["model"]}" averages ${m["avg_cost_per_call"]:.4f}/call, {ratio:.1f}x '
                f'"{cheapest["model"]}". Consider the cheaper model for non-critical calls.',
                f"{m['calls']} calls of {m['model']} cost ${m['cost']:.4f} in {days:.1f} days. "
                f"If {DOWNGRADE_SHARE:.0%} of them ran at {cheapest['model']}'s observed "
                f"${cheapest['avg_cost_per_call']:.4f}/call, the range would cost "
                f"${saved:.4f} less; scaled to {MONTH_DAYS:.0f} days.",
                model=m["model"],
                cheaper_model=cheapest["model"],
                calls=m["calls"],
                cost_ratio=ratio,
            )
        )
    return out


def failure_spend(failed_cost: float, failed: int, days: float) -> list[dict[str, Any]]:
    if failed_cost <= 0:
        return []
    monthly = failed_cost * MONTH_DAYS / days
    return [
        _item(
            "reduce_failures",
            monthly,
            f"{failed} failed traces cost ${failed_cost:.4f}; fixing their causes saves "
            "that spend.",
            f"Traces that end in error still pay for every model call they made: "
            f"${failed_cost:.4f} in {days:.1f} days, scaled to {MONTH_DAYS:.0f} days.",
            failed_traces=failed,
            failed_cost=failed_cost,
        )
    ]


def expensive_features(features: list[dict[str, Any]], days: float) -> list[dict[str, Any]]:
    used = [f for f in features if f["count"] >= MIN_CALLS and f["name"] is not None]
    if len(used) < 2:
        return []
    median = statistics.median(f["avg_cost"] for f in used)
    out = []
    for f in used:
        if median <= 0 or f["avg_cost"] < FEATURE_RATIO * median:
            continue
        monthly = FEATURE_CUT * f["total_cost"] * MONTH_DAYS / days
        out.append(
            _item(
                "optimize_feature",
                monthly,
                f'"{f["name"]}" costs ${f["avg_cost"]:.4f}/trace, '
                f"{f['avg_cost'] / median:.1f}x the median feature. Trim its context or cache "
                "repeated prompts.",
                f"{f['count']} traces of {f['name']} cost ${f['total_cost']:.4f} in "
                f"{days:.1f} days; assuming a {FEATURE_CUT:.0%} cut of that spend, scaled to "
                f"{MONTH_DAYS:.0f} days.",
                feature=f["name"],
                median_avg_cost=median,
            )
        )
    return out


def recommendations(
    models: list[dict[str, Any]],
    features: list[dict[str, Any]],
    failed_cost: float,
    failed: int,
    days: float,
) -> list[dict[str, Any]]:
    """Every recommendation the data supports, largest estimated saving first."""
    found = [
        *model_downgrades(models, days),
        *failure_spend(failed_cost, failed, days),
        *expensive_features(features, days),
    ]
    return sorted(found, key=lambda r: -r["estimated_monthly_savings"])
