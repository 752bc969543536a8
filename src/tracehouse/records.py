"""Canonical records every ingestion format decodes into: traces, observations and scores.

Decoders (native JSON, Langfuse, OTLP) produce these; the ingest pipeline prices, merges and
writes them. `None` always means "not given": a later partial update never erases a value with
`None`. Times are epoch microseconds (see `clock.py`). No database or HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OBSERVATION_TYPES = (
    "span",
    "generation",
    "event",
    "agent",
    "tool",
    "chain",
    "retriever",
    "embedding",
    "reranker",
    "guardrail",
    "evaluator",
)
LEVELS = ("DEBUG", "DEFAULT", "WARNING", "ERROR")
TRACE_STATUSES = ("ok", "warning", "error")
SCORE_DATA_TYPES = ("NUMERIC", "CATEGORICAL", "BOOLEAN", "TEXT", "CORRECTION")
#: Score types whose value is a string (free text for TEXT, a corrected output for CORRECTION).
STRING_SCORE_TYPES = ("CATEGORICAL", "TEXT", "CORRECTION")
SCORE_SOURCES = ("api", "annotation", "eval", "feedback")


@dataclass(slots=True)
class TraceRecord:
    """A trace create-or-update. Tags and metadata merge with what is stored."""

    id: str
    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    environment: str | None = None
    release: str | None = None
    version: str | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    input: Any = None
    output: Any = None
    status: str | None = None
    status_message: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    public: bool | None = None
    bookmarked: bool | None = None
    #: The root span's name: the trace's name only while no name is given or stored (a name
    #: a child span set, e.g. Langfuse's `propagate_attributes(trace_name=…)`, outlives it).
    default_name: str | None = None


@dataclass(slots=True)
class Usage:
    """Token counts. `input_tokens` includes cache reads and writes; `output_tokens` includes
    reasoning tokens (the inclusive convention genai-prices uses)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None


@dataclass(slots=True)
class Cost:
    """Costs in USD."""

    input: float | None = None
    output: float | None = None
    total: float | None = None


@dataclass(slots=True)
class ObservationRecord:
    """An observation create-or-update; it may arrive before its trace or its parent."""

    id: str
    trace_id: str
    type: str | None = None
    parent_id: str | None = None
    name: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    completion_start_time: int | None = None
    model: str | None = None
    provider: str | None = None
    model_parameters: dict[str, Any] | None = None
    input: Any = None
    output: Any = None
    usage: Usage = field(default_factory=Usage)
    reported_cost: Cost = field(default_factory=Cost)
    level: str | None = None
    status_message: str | None = None
    metadata: dict[str, Any] | None = None
    prompt_name: str | None = None
    prompt_version: int | None = None
    environment: str | None = None
    version: str | None = None
    attributes: dict[str, Any] | None = None
    #: True: the end of a streamed call recorded apart from its request (logfire's OpenAI
    #: instrumentation): the write folds it into the latest generation of the same parent
    #: that has no output yet, instead of storing a second generation.
    streamed_response: bool | None = None


@dataclass(slots=True)
class ScoreRecord:
    """A score on a trace, an observation or a session."""

    id: str
    name: str
    data_type: str
    value: float | None = None
    string_value: str | None = None
    source: str = "api"
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    comment: str | None = None
    metadata: dict[str, Any] | None = None
    author: str | None = None
    environment: str | None = None
    timestamp: int | None = None


@dataclass(slots=True)
class Batch:
    """Everything one request asks to write, committed in one transaction."""

    traces: list[TraceRecord] = field(default_factory=list)
    observations: list[ObservationRecord] = field(default_factory=list)
    scores: list[ScoreRecord] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.traces) + len(self.observations) + len(self.scores)
