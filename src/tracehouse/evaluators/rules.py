"""Code evaluators: deterministic rules over a target's fields (no LLM)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tracehouse import jsontext
from tracehouse.evaluators.fields import lookup
from tracehouse.pricing.patterns import compile_pattern

RULES = ("json_valid", "regex", "contains", "length", "latency", "cost")


@dataclass(frozen=True)
class Verdict:
    passed: bool
    value: float
    reasoning: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(jsontext.dumps(value))


def _within(value: float | None, low: float | None, high: float | None, what: str) -> Verdict:
    if value is None:
        return Verdict(False, 0.0, f"{what} is not known")
    ok = (low is None or value >= low) and (high is None or value <= high)
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    return Verdict(ok, float(ok), f"{what} {value} {'within' if ok else 'outside'} {bounds}")


def _json_valid(value: Any) -> Verdict:
    if value is not None and not isinstance(value, str):
        return Verdict(True, 1.0, "the value is structured JSON")
    try:
        json.loads(value or "")
    except ValueError as exc:
        return Verdict(False, 0.0, f"not valid JSON: {exc}")
    return Verdict(True, 1.0, "valid JSON")


def _regex(pattern: str, text: str, case_sensitive: bool) -> Verdict:
    """RE2 (linear time): a user's pattern cannot stall the evaluation worker."""
    try:
        regex = compile_pattern(pattern, case_sensitive=case_sensitive)
    except ValueError as exc:  # saved before patterns were checked
        return Verdict(False, 0.0, f"pattern refused: {exc}")
    found = regex.search(text) is not None
    return Verdict(found, float(found), f"pattern {'found' if found else 'not found'}")


def apply(config: dict[str, Any], fields: dict[str, Any]) -> Verdict:
    """Run the rule `config["rule"]` on the target's fields."""
    rule = config["rule"]
    low, high = config.get("min"), config.get("max")
    if rule == "latency":
        return _within(fields.get("latency_ms"), low, high, "latency (ms)")
    if rule == "cost":
        return _within(fields.get("cost"), low, high, "cost (USD)")
    value = lookup(fields, config.get("field") or "output")
    if rule == "json_valid":
        return _json_valid(value)
    text = _text(value)
    if rule == "length":
        return _within(float(len(text)), low, high, "length")
    sensitive = bool(config.get("case_sensitive", True))
    if rule == "regex":
        return _regex(config["pattern"], text, sensitive)
    needle = str(config["value"])
    found = (needle in text) if sensitive else (needle.lower() in text.lower())
    return Verdict(found, float(found), f"{needle!r} {'found' if found else 'not found'}")
