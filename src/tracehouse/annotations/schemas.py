"""Request models of `/api/v1/annotation-queues`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from tracehouse.http.schemas import RequestModel


class ScoreConfig(RequestModel):
    """The score annotators give: its name and type (numeric in [min, max], boolean, or one of
    `categories`)."""

    name: str = Field(min_length=1, max_length=200)
    data_type: Literal["NUMERIC", "BOOLEAN", "CATEGORICAL"] = "NUMERIC"
    min: float | None = None
    max: float | None = None
    categories: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _categories(self) -> ScoreConfig:
        if self.data_type == "CATEGORICAL" and not self.categories:
            raise ValueError("a categorical score config needs `categories`")
        return self


class QueueIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    score_config: ScoreConfig


class QueueItemIn(RequestModel):
    trace_id: str = Field(min_length=1, max_length=64)
    observation_id: str | None = Field(None, max_length=64)


class AnnotationIn(RequestModel):
    """The annotator's score for an item."""

    value: Any
    comment: str | None = Field(None, max_length=10_000)
    author: str | None = Field(None, max_length=200)
