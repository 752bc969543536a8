"""Request models of `/api/v1/saved-views`, and the trace list's columns a view may show."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, field_validator

from tracehouse.http.schemas import RequestModel
from tracehouse.traces.filters import TraceListParams

Column = Literal[
    "time", "name", "input", "output", "user", "session", "release", "version", "environment",
    "latency", "tokens", "cost", "status", "scores", "tags",
]  # fmt: skip
COLUMNS: tuple[str, ...] = get_args(Column)
DEFAULT_COLUMNS: tuple[Column, ...] = (
    "time", "name", "user", "session", "latency", "tokens", "cost", "status", "scores", "tags",
)  # fmt: skip
_FILTER_NAMES = {f.alias or name for name, f in TraceListParams.model_fields.items()}


def normal_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """Trace-list filters as `GET /api/v1/traces` takes them, checked by its own parser and
    kept as the query parameters that are set (defaults and blanks left out)."""
    unknown = sorted(set(raw) - _FILTER_NAMES)
    if unknown:
        raise ValueError(f"unknown filters: {', '.join(unknown)}")
    try:
        params = TraceListParams.model_validate(raw)
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise ValueError(f"invalid filters: {names}") from None
    return params.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def _columns(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("each column at most once")
    return value


class SavedViewIn(RequestModel):
    """A named view of the trace list: its filters (the query parameters of `GET
    /api/v1/traces`, `sort` and `order` included) and the columns shown, in order."""

    name: str = Field(min_length=1, max_length=200)
    filters: dict[str, Any] = Field(default_factory=dict)
    columns: list[Column] = Field(default_factory=lambda: list(DEFAULT_COLUMNS), min_length=1)

    @field_validator("filters")
    @classmethod
    def _filters(cls, value: dict[str, Any]) -> dict[str, Any]:
        return normal_filters(value)

    @field_validator("columns")
    @classmethod
    def _cols(cls, value: list[str]) -> list[str]:
        return _columns(value)


class SavedViewPatch(RequestModel):
    """Fields to change."""

    name: str | None = Field(None, min_length=1, max_length=200)
    filters: dict[str, Any] | None = None
    columns: list[Column] | None = Field(None, min_length=1)

    @field_validator("filters")
    @classmethod
    def _filters(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else normal_filters(value)

    @field_validator("columns")
    @classmethod
    def _cols(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _columns(value)
