"""The time range of an analytics request and the chart bucket chosen from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tracehouse.clock import from_us, now_us, to_us
from tracehouse.errors import InvalidRequest, ValidationFailed
from tracehouse.traces.filters import TraceFilters

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
DEFAULT_RANGE_US = 7 * DAY_US

#: (longest range, bucket width): the first row whose range covers the request wins.
BUCKETS: tuple[tuple[int, int], ...] = (
    (6 * HOUR_US, 5 * 60_000_000),
    (2 * DAY_US, HOUR_US),
    (62 * DAY_US, DAY_US),
)
WEEK_US = 7 * DAY_US


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open range [start, end) in epoch microseconds, and its chart bucket width."""

    start: int
    end: int

    @property
    def bucket_us(self) -> int:
        return bucket_width(self.end - self.start)

    @property
    def bucket_offset(self) -> int:
        """Buckets are aligned to UTC: weeks start on Monday (1970-01-05), others at the epoch."""
        return 4 * DAY_US if self.bucket_us == WEEK_US else 0

    def bucket_starts(self, width: int, offset: int) -> list[int]:
        first = (self.start - offset) // width * width + offset
        return list(range(first, self.end, width))

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY_US


def bucket_width(span_us: int) -> int:
    for longest, width in BUCKETS:
        if span_us <= longest:
            return width
    return WEEK_US


def resolve(
    filters: TraceFilters, max_days: float, default_us: int = DEFAULT_RANGE_US
) -> tuple[TraceFilters, Window]:
    """Fill in a missing `from`/`to` (default: the last 7 days) and check the range: `from`
    before `to`, at most `max_days` (`analytics_max_range_days`) apart."""
    end = to_us(filters.to_time) or now_us()
    start = to_us(filters.from_time) or end - default_us
    if start >= end:
        raise InvalidRequest("`from` must be before `to`.", {"field": "from"})
    if end - start > max_days * DAY_US:
        message = f"The range is longer than {max_days:g} days (analytics_max_range_days)."
        raise ValidationFailed(message, [{"field": "from", "message": message, "type": "range"}])
    resolved = filters.model_copy(update={"from_time": from_us(start), "to_time": from_us(end)})
    return resolved, Window(start, end)


def shifted(filters: TraceFilters, window: Window) -> TraceFilters:
    """The same filters over another window."""
    return filters.model_copy(
        update={"from_time": from_us(window.start), "to_time": from_us(window.end)}
    )


def hours(value: float) -> int:
    return int(timedelta(hours=value).total_seconds() * 1_000_000)
