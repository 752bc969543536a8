"""Runs side by side for people: the API's comparison (`render.comparison`) with each score,
latency and cost set against the first run (the baseline), regressions marked, and an
aggregate row. Pure functions over the API's answer, so the page and the API always agree."""

from __future__ import annotations

from typing import Any

#: Differences smaller than this are noise (scores are averages of floats).
EPSILON = 1e-9


def _delta(value: float | None, base: float | None, higher_is_better: bool) -> dict[str, Any]:
    """A value, its difference from the baseline and whether that is better or worse."""
    if value is None or base is None:
        return {"value": value, "delta": None, "kind": "none"}
    delta = value - base
    if abs(delta) <= EPSILON:
        return {"value": value, "delta": 0.0, "kind": "same"}
    better = (delta > 0) == higher_is_better
    return {"value": value, "delta": delta, "kind": "better" if better else "worse"}


def _cell(result: Any, base: Any, score_names: list[str], is_base: bool) -> dict[str, Any]:
    """One run's result for one item, against the baseline run's result for it."""
    if result is None:
        return {"result": None, "scores": [], "regressed": False}
    if is_base:
        base = None
    scores = [
        _delta(result["scores"].get(n), base["scores"].get(n) if base else None, True)
        for n in score_names
    ]
    return {
        "result": result,
        "scores": [{"name": n, **s} for n, s in zip(score_names, scores, strict=True)],
        "latency": _delta(result["latency_ms"], base["latency_ms"] if base else None, False),
        "cost": _delta(result["cost"], base["cost"] if base else None, False),
        "regressed": any(s["kind"] == "worse" for s in scores),
    }


def _row(item: dict[str, Any], names: list[str], score_names: list[str]) -> dict[str, Any]:
    base = item["runs"].get(names[0])
    cells = [_cell(item["runs"].get(n), base, score_names, i == 0) for i, n in enumerate(names)]
    return {
        "item_id": item["dataset_item_id"],
        "input": item["input"],
        "expected_output": item["expected_output"],
        "cells": cells,
        "regressed": any(c["regressed"] for c in cells),
    }


def _aggregate(run: dict[str, Any], base: dict[str, Any], score_names: list[str]) -> dict[str, Any]:
    mine, theirs = run["summary"], base["summary"]
    is_base = run is base

    def avg(summary: dict[str, Any], name: str) -> float | None:
        found = summary["scores"].get(name)
        return None if found is None else float(found["avg"])

    scores = [_delta(avg(mine, n), None if is_base else avg(theirs, n), True) for n in score_names]
    return {
        "run": run,
        "scores": [{"name": n, **s} for n, s in zip(score_names, scores, strict=True)],
        "latency": _delta(
            mine["avg_latency_ms"], None if is_base else theirs["avg_latency_ms"], False
        ),
        "cost": _delta(mine["total_cost"], None if is_base else theirs["total_cost"], False),
    }


def compare(body: dict[str, Any], only_regressions: bool = False) -> dict[str, Any]:
    """The page's view of `render.comparison(...)`: rows, aggregate and regression count."""
    runs = body["runs"]
    names = [run["name"] for run in runs]
    score_names = sorted(
        {n for run in runs for n in run["summary"]["scores"]}
        | {
            n
            for item in body["items"]
            for result in item["runs"].values()
            if result
            for n in result["scores"]
        }
    )
    rows = [_row(item, names, score_names) for item in body["items"]]
    regressions = sum(1 for row in rows if row["regressed"])
    return {
        "runs": runs,
        "score_names": score_names,
        "rows": [r for r in rows if r["regressed"]] if only_regressions else rows,
        "aggregate": [_aggregate(run, runs[0], score_names) for run in runs],
        "regressions": regressions,
        "item_count": len(rows),
    }
