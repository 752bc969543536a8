"""JSON values stored as TEXT columns: one encoder and decoder for every table."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _fallback(value: Any) -> Any:
    # Clients send odd things (sets, Decimals, custom objects); keep their text, never fail.
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def dumps(value: Any) -> str | None:
    """Encode a value for a TEXT column; `None` stays NULL."""
    if value is None:
        return None
    return orjson.dumps(value, default=_fallback, option=_OPTIONS).decode()


def loads(text: str | None) -> Any:
    """Decode a TEXT column written by `dumps`."""
    if text is None:
        return None
    return orjson.loads(text)
