"""Runs set against a baseline: deltas, which way is better, regressions, missing results."""

from __future__ import annotations

from typing import Any

from tracehouse.ui.comparison import compare


def _result(output: str, scores: dict[str, float], latency: float, cost: float) -> dict[str, Any]:
    return {"output": output, "scores": scores, "latency_ms": latency, "cost": cost}


def _run(name: str, scores: dict[str, float], latency: float, cost: float) -> dict[str, Any]:
    summary = {
        "item_count": 2,
        "scores": {n: {"avg": v, "count": 2} for n, v in scores.items()},
        "avg_latency_ms": latency,
        "total_cost": cost,
    }
    return {"name": name, "summary": summary}


BODY = {
    "runs": [_run("a", {"exact": 1.0}, 100.0, 0.02), _run("b", {"exact": 0.5}, 80.0, 0.03)],
    "items": [
        {
            "dataset_item_id": "x",
            "input": "Italy",
            "expected_output": "Rome",
            "runs": {
                "a": _result("Rome", {"exact": 1.0}, 100.0, 0.01),
                "b": _result("Paris", {"exact": 0.0}, 80.0, 0.015),
            },
        },
        {
            "dataset_item_id": "y",
            "input": "Spain",
            "expected_output": "Madrid",
            "runs": {"a": None, "b": _result("Madrid", {"exact": 1.0, "tone": 0.7}, 90.0, 0.01)},
        },
    ],
}


def test_lower_scores_are_regressions_and_lower_latency_and_cost_are_better() -> None:
    view = compare(BODY)
    assert view["score_names"] == ["exact", "tone"]
    assert view["regressions"] == 1 and view["item_count"] == 2
    first, second = view["rows"]
    assert first["regressed"] and not second["regressed"]
    baseline, candidate = first["cells"]
    assert baseline["scores"][0]["kind"] == "none"  # the baseline has nothing to differ from
    assert candidate["scores"][0] == {"name": "exact", "value": 0.0, "delta": -1.0, "kind": "worse"}
    assert candidate["latency"]["kind"] == "better" and candidate["cost"]["kind"] == "worse"
    # An item the baseline did not run: shown, compared with nothing, never a regression.
    assert second["cells"][0]["result"] is None
    assert second["cells"][1]["scores"][0]["kind"] == "none"
    aggregate = view["aggregate"][1]
    assert aggregate["scores"][0]["delta"] == -0.5 and aggregate["scores"][0]["kind"] == "worse"
    assert aggregate["latency"]["kind"] == "better" and aggregate["cost"]["kind"] == "worse"
    assert aggregate["scores"][1]["value"] is None  # "tone" has no run-level average here


def test_only_regressions_keeps_the_count_of_all_items() -> None:
    view = compare(BODY, only_regressions=True)
    assert [r["item_id"] for r in view["rows"]] == ["x"]
    assert view["regressions"] == 1 and view["item_count"] == 2
