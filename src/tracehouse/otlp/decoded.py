"""What decoding an OTLP request yields (`Decoded`: the usable items, the rejected ones and
why), and the checks every span's or log record's ids and times pass in either encoding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

ZERO_TRACE = "0" * 32
ZERO_SPAN = "0" * 16

T = TypeVar("T")


@dataclass(slots=True)
class Decoded(Generic[T]):
    """What a request held: the usable items and how many were rejected, and why."""

    items: list[T] = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.reasons) < 5:
            self.reasons.append(reason)

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)


class BadItem(ValueError):
    """One span or log record is unusable; the rest of the request is fine."""


def hex_id(value: Any, length: int, name: str) -> str:
    if not isinstance(value, str) or len(value) != length:
        raise BadItem(f"{name} must be {length} hex characters")
    lowered = value.lower()
    try:
        int(lowered, 16)
    except ValueError:
        raise BadItem(f"{name} must be {length} hex characters") from None
    if length == 32 and lowered == ZERO_TRACE:
        raise BadItem(f"{name} must not be all zeros")
    if length == 16 and lowered == ZERO_SPAN and name == "spanId":
        raise BadItem(f"{name} must not be all zeros")
    return lowered


def id_problem(trace_id: str, span_id: str) -> str | None:
    if len(trace_id) != 32 or trace_id == ZERO_TRACE:
        return "traceId must be 16 non-zero bytes"
    if len(span_id) != 16 or span_id == ZERO_SPAN:
        return "spanId must be 8 non-zero bytes"
    return None


def ns_to_us(value: int | None) -> int | None:
    if not value or value < 0:
        return None
    if value >= 2**64:  # a fixed64 in OTLP; larger is no time any column holds
        raise BadItem(f"time {value} ns is beyond the 64-bit range of OTLP times")
    return value // 1000


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
