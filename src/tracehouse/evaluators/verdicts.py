"""Reading a judge's answer: a JSON object with `reasoning` and `score`, checked against the
evaluator's output type."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_OBJECT = re.compile(r"\{.*\}", re.S)
_TRUE = {"true", "yes", "1", "pass", "passed"}
_FALSE = {"false", "no", "0", "fail", "failed"}


class UnreadableVerdict(ValueError):
    """The judge's answer is not a score of the expected type."""


@dataclass(frozen=True)
class Verdict:
    data_type: str  # NUMERIC | BOOLEAN | CATEGORICAL
    value: float | None
    string_value: str | None
    reasoning: str | None


def instructions(output: dict[str, Any]) -> str:
    """The system message: how to answer, for this output type."""
    kind = output["type"]
    if kind == "boolean":
        score = "true or false"
    elif kind == "categorical":
        score = "one of " + ", ".join(json.dumps(c) for c in output["categories"])
    else:
        score = f"a number from {output['min']} to {output['max']}"
    return (
        "You are an impartial evaluator. Think step by step, then answer with only a JSON "
        f'object: {{"reasoning": "<why, briefly>", "score": <{score}>}}.'
    )


def _boolean(raw: Any) -> float:
    text = str(raw).strip().lower()
    if isinstance(raw, bool) or text in _TRUE | _FALSE:
        return 1.0 if (raw is True or text in _TRUE) else 0.0
    raise UnreadableVerdict(f"expected a boolean score, got {raw!r}")


def read(text: str, output: dict[str, Any]) -> Verdict:
    """The verdict in the judge's text; raises `UnreadableVerdict`."""
    found = _OBJECT.search(text)
    try:
        body = json.loads(found.group(0)) if found else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or "score" not in body:
        raise UnreadableVerdict(
            f"no JSON object with a score in the judge's answer: {text[:200]!r}"
        )
    raw, reasoning = body["score"], body.get("reasoning")
    reasoning = None if reasoning is None else str(reasoning)
    kind = output["type"]
    if kind == "boolean":
        return Verdict("BOOLEAN", _boolean(raw), None, reasoning)
    if kind == "categorical":
        if str(raw) not in output["categories"]:
            raise UnreadableVerdict(f"{raw!r} is not one of {output['categories']}")
        return Verdict("CATEGORICAL", None, str(raw), reasoning)
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise UnreadableVerdict(f"expected a number, got {raw!r}")
    try:
        value = float(raw)
    except ValueError as exc:
        raise UnreadableVerdict(f"expected a number, got {raw!r}") from exc
    if not output["min"] <= value <= output["max"]:
        raise UnreadableVerdict(f"score {value} outside [{output['min']}, {output['max']}]")
    return Verdict("NUMERIC", value, None, reasoning)
