"""Field paths into an evaluation target (`output`, `metadata.context`, `input.question`)."""

from __future__ import annotations

from typing import Any

ROOTS = (
    "input",
    "output",
    "expected_output",
    "metadata",
    "name",
    "latency_ms",
    "cost",
    "total_tokens",
    "status",
    "model",
)


def lookup(fields: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None where any step is missing."""
    value: Any = fields
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
