"""Pydantic models shared by every route: the error envelope and list pages."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import AliasGenerator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class RequestModel(BaseModel):
    """Base of request bodies: snake_case fields that also accept camelCase names."""

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=to_camel),
        populate_by_name=True,
        extra="ignore",
    )


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorDetail


class PageMeta(BaseModel):
    total_count: int
    has_more: bool
    next_cursor: str | None = None


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: PageMeta
