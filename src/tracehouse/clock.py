"""Time conversions: every stored time is an integer count of microseconds since the epoch (UTC)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The stored times that render as datetimes: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z.
FIRST_US = -62_135_596_800_000_000
LAST_US = 253_402_300_799_999_999


def storable(micros: int) -> bool:
    """Whether epoch microseconds fall within the years 1-9999 (what `from_us` can render)."""
    return FIRST_US <= micros <= LAST_US


def now_us() -> int:
    """The current time in epoch microseconds."""
    return time.time_ns() // 1000


def to_us(value: datetime | str | int | float | None) -> int | None:
    """Convert a datetime, RFC 3339 string or epoch number to epoch microseconds.

    Numbers are read by magnitude: seconds, milliseconds, microseconds or nanoseconds.
    Naive datetimes are taken as UTC.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float):
        return _number_to_us(float(value))
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _number_to_us(number: float) -> int:
    magnitude = abs(number)
    if magnitude < 1e11:
        return int(number * 1_000_000)
    if magnitude < 1e14:
        return int(number * 1_000)
    if magnitude < 1e17:
        return int(number)
    return int(number // 1_000)


def from_us(value: int | None) -> datetime | None:
    """Epoch microseconds to an aware UTC datetime."""
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def iso(value: int | None) -> str | None:
    """Epoch microseconds to an RFC 3339 UTC string with a `Z` suffix."""
    if value is None:
        return None
    seconds, micros = divmod(value, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"
