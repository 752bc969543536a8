"""Bounds on what request bodies carry, so every value a request passes is one both databases
store: times within years 1-9999, JSON nested at most `MAX_DEPTH` levels, versions within 32
bits (counts: `records.MAX_COUNT`). Out of bounds is the standard 422 naming the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator

from tracehouse.clock import storable, to_us

#: The largest 32-bit integer: prompt versions and other small numbers stored as INTEGER.
MAX_INT32 = 2**31 - 1
#: How deep JSON values (metadata, input, output, …) may nest.
MAX_DEPTH = 100


def _storable_time(value: Any) -> Any:
    try:
        micros = to_us(value)
    except (OverflowError, ValueError) as exc:
        raise ValueError("is not a time") from exc
    if micros is not None and not storable(micros):
        raise ValueError("must be a time between the years 1 and 9999")
    return value


def depth(value: Any) -> int:
    """How deep a JSON value nests (a scalar is 0, `[]` or `{}` is 1); iterative."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in item)
    return deepest


def _shallow(value: Any) -> Any:
    if depth(value) > MAX_DEPTH:
        raise ValueError(f"nests deeper than {MAX_DEPTH} levels")
    return value


#: A time: RFC 3339, or epoch seconds, milliseconds, microseconds or nanoseconds.
Time = Annotated[datetime | int | float, AfterValidator(_storable_time)]
#: Any JSON value, nested at most `MAX_DEPTH` levels.
Json = Annotated[Any, AfterValidator(_shallow)]
#: A JSON object, nested at most `MAX_DEPTH` levels.
JsonObject = Annotated[dict[str, Any], AfterValidator(_shallow)]
