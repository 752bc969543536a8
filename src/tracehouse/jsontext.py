"""JSON values stored as TEXT columns: one encoder and decoder for every table."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_INT64 = -(2**63)


def _fallback(value: Any) -> Any:
    # Clients send odd things (sets, Decimals, custom objects); keep their text, never fail.
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _widened(value: Any) -> Any:
    """`value` with integers beyond 64 bits as floats, as `orjson.loads` reads them anyway."""
    if isinstance(value, dict):
        return {key: _widened(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_widened(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and not _INT64 <= value < -_INT64:
        try:
            return float(value)
        except OverflowError:
            return str(value)
    return value


def dumps(value: Any) -> str | None:
    """Encode a value for a TEXT column; `None` stays NULL."""
    if value is None:
        return None
    try:
        return orjson.dumps(value, default=_fallback, option=_OPTIONS).decode()
    except TypeError:  # an integer beyond 64 bits (orjson's only TypeError with a default)
        return orjson.dumps(_widened(value), default=_fallback, option=_OPTIONS).decode()


def loads(text: str | None) -> Any:
    """Decode a TEXT column written by `dumps`."""
    if text is None:
        return None
    return orjson.loads(text)
