"""OTLP/JSON values: attribute lists and `AnyValue`s to Python, and the lenient number and
enum readings OTLP/JSON needs (64-bit integers as strings or numbers, enums as integers or
names)."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from typing import Any

from tracehouse.otlp.decoded import BadItem


def json_attributes(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise BadItem("attributes must be an array")
    out: dict[str, Any] = {}
    for pair in value:
        if isinstance(pair, dict) and isinstance(pair.get("key"), str):
            raw = pair.get("value")
            out[pair["key"]] = json_value(raw) if isinstance(raw, dict) else None
    return out


def json_value(value: dict[str, Any]) -> Any:
    """An OTLP/JSON AnyValue → Python. Unknown or malformed values become None."""
    for key, convert in _VALUE_CONVERTERS:
        if key in value:
            try:
                return convert(value[key])
            except (TypeError, ValueError, binascii.Error):
                return None
    return None


def _json_array(value: Any) -> list[Any]:
    values = value.get("values") if isinstance(value, dict) else None
    return [json_value(v) if isinstance(v, dict) else None for v in values or []]


def _json_kvlist(value: Any) -> dict[str, Any]:
    values = value.get("values") if isinstance(value, dict) else None
    return json_attributes(values if isinstance(values, list) else [])


def double(value: Any) -> float:
    if isinstance(value, str):
        return float(value)  # "NaN", "Infinity", "-Infinity" or a numeric string
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)


def _strict_int(value: Any) -> int:
    result = int_or_none(value)
    if result is None:
        raise TypeError("not an integer")
    return result


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def _strict_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


_VALUE_CONVERTERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("stringValue", _strict_str),
    ("string_value", _strict_str),
    ("intValue", _strict_int),
    ("int_value", _strict_int),
    ("boolValue", _strict_bool),
    ("bool_value", _strict_bool),
    ("doubleValue", double),
    ("double_value", double),
    ("arrayValue", _json_array),
    ("array_value", _json_array),
    ("kvlistValue", _json_kvlist),
    ("kvlist_value", _json_kvlist),
    ("bytesValue", lambda v: base64.b64encode(base64.b64decode(_strict_str(v))).decode()),
    ("bytes_value", lambda v: base64.b64encode(base64.b64decode(_strict_str(v))).decode()),
)


def enum_value(value: Any, names: dict[str, int]) -> int:
    """Enums are integers in OTLP/JSON; names are accepted too. Unknown → 0."""
    if isinstance(value, str):
        return names.get(value, int_or_none(value) or 0)
    return int_or_none(value) or 0


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None
