"""Merging partial updates: a record's changes plus the stored row give the row to write.

Scalars: a given value replaces, `None` keeps what is stored (the upsert COALESCEs every
column). Dicts (metadata, attributes, model parameters) merge key by key; tags are a set union.
Pure functions: no database here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tracehouse import jsontext
from tracehouse.masking.engine import Masker
from tracehouse.records import Batch, ObservationRecord, ScoreRecord, TraceRecord

#: Prices one observation given its merged values: (input, output, total) USD or Nones.
Pricer = Callable[[dict[str, Any]], tuple[float | None, float | None, float | None]]

TRACE_DICT_COLUMNS = ("metadata",)
OBSERVATION_DICT_COLUMNS = ("metadata", "attributes", "model_parameters")


def trace_changes(record: TraceRecord) -> dict[str, Any]:
    """The columns a trace record sets (only those it gives)."""
    values = {
        "name": record.name,
        "user_id": record.user_id,
        "session_id": record.session_id,
        "environment": record.environment,
        "release": record.release,
        "version": record.version,
        "tags": record.tags,
        "metadata": record.metadata,
        "input": record.input,
        "output": record.output,
        "reported_status": record.status,
        "status_message": record.status_message,
        "start_time": record.start_time,
        "end_time": record.end_time,
        "public": record.public,
        "bookmarked": record.bookmarked,
        "default_name": record.default_name,
    }
    return {key: value for key, value in values.items() if value is not None}


def observation_changes(record: ObservationRecord) -> dict[str, Any]:
    """The columns an observation record sets (only those it gives)."""
    usage, cost = record.usage, record.reported_cost
    values = {
        "trace_id": record.trace_id,
        "parent_id": record.parent_id,
        "type": record.type,
        "name": record.name,
        "start_time": record.start_time,
        "end_time": record.end_time,
        "completion_start_time": record.completion_start_time,
        "model": record.model,
        "provider": record.provider,
        "model_parameters": record.model_parameters,
        "input": record.input,
        "output": record.output,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "reported_input_cost": cost.input,
        "reported_output_cost": cost.output,
        "reported_total_cost": cost.total,
        "level": record.level,
        "status_message": record.status_message,
        "metadata": record.metadata,
        "prompt_name": record.prompt_name,
        "prompt_version": record.prompt_version,
        "environment": record.environment,
        "version": record.version,
        "attributes": record.attributes,
        "streamed_response": record.streamed_response,
    }
    return {key: value for key, value in values.items() if value is not None}


def fold(
    items: Iterable[tuple[str, dict[str, Any]]], dict_columns: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Combine several updates of the same id within one batch, in arrival order."""
    folded: dict[str, dict[str, Any]] = {}
    for key, changes in items:
        current = folded.get(key)
        if current is None:
            folded[key] = changes  # a fresh dict of its own: later updates overlay it in place
        else:
            overlay(current, changes, dict_columns)
    return folded


def overlay(
    current: dict[str, Any], changes: dict[str, Any], dict_columns: tuple[str, ...]
) -> None:
    """Apply `changes` onto `current` in place, merging dicts and tag lists."""
    for key, value in changes.items():
        old = current.get(key)
        if key in dict_columns and isinstance(old, dict) and isinstance(value, dict):
            current[key] = {**old, **value}
        elif key == "tags" and isinstance(old, list) and isinstance(value, list):
            current[key] = old + [tag for tag in value if tag not in old]
        else:
            current[key] = value


@dataclass(slots=True)
class Changes:
    """A batch reduced to the columns it sets, per id, several updates of one id folded.

    This is all the write needs from a batch, and it is plain data (JSON-able dicts), so it
    can be prepared in another process (`tracehouse.otlp.offload`) and shipped as JSON.
    """

    traces: dict[str, dict[str, Any]] = field(default_factory=dict)
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: list[ScoreRecord] = field(default_factory=list)
    #: masking rule id → how many values it masked in this batch
    masked: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.traces) + len(self.observations) + len(self.scores)


def changes_of(batch: Batch, masker: Masker | None = None) -> Changes:
    """Fold a batch's records into per-id column changes (pure; no database).

    Every ingestion path passes here before the writer (the OTLP workers too), so this is
    where the project's masking rules apply: nothing they mask is ever written."""
    changes = Changes(
        traces=fold(((t.id, trace_changes(t)) for t in batch.traces), TRACE_DICT_COLUMNS),
        observations=fold(
            ((o.id, observation_changes(o)) for o in batch.observations),
            OBSERVATION_DICT_COLUMNS,
        ),
        scores=list(batch.scores),
    )
    if masker is not None:
        counts = masker.mask_changes(changes.traces, changes.observations, changes.scores)
        changes.masked = dict(counts)
    return changes


def trace_row(
    trace_id: str, changes: dict[str, Any], stored: dict[str, Any] | None, now: int
) -> dict[str, Any]:
    """The row to upsert for a trace; columns left `None` keep their stored value."""
    row = dict.fromkeys(TRACE_COLUMNS)
    row.update(changes)
    row["id"] = trace_id
    default_name = row.pop("default_name", None)
    if row["name"] is None:
        row["name"] = (stored or {}).get("name") or default_name
    _merge_stored_dicts(row, changes, stored, ("metadata", "tags"))
    if row["tags"] is not None:
        row["tags"] = sorted(set(row["tags"]))
    _fill_required(row, stored, {"start_time": now, "public": False, "bookmarked": False})
    for column in ("tags", "metadata", "input", "output"):
        row[column] = jsontext.dumps(row[column])
    return row


def observation_row(
    observation_id: str,
    changes: dict[str, Any],
    stored: dict[str, Any],
    now: int,
    pricer: Pricer,
) -> dict[str, Any]:
    """The row to upsert for a stored observation, with token total and computed cost (a new
    one's row is `shipping.new_observation_row`)."""
    row = dict.fromkeys(OBSERVATION_COLUMNS)
    row.update(changes)  # changes name only these columns
    row["id"] = observation_id
    _merge_stored_dicts(row, changes, stored, OBSERVATION_DICT_COLUMNS)
    merged = {**stored, **changes}
    row.update(derived(changes, merged, now))
    if merged.get("model"):
        costs = pricer(merged)
        row["computed_input_cost"], row["computed_output_cost"], row["computed_total_cost"] = costs
    for column in (*OBSERVATION_DICT_COLUMNS, "input", "output"):
        row[column] = jsontext.dumps(row[column])
    return row


def derived(changes: dict[str, Any], merged: dict[str, Any], now: int) -> dict[str, Any]:
    """What an observation row adds to its changes: NOT NULL columns the changes leave out (the
    stored value, else a default) and the token and reported-cost totals when not given.
    `merged` is the stored row updated with the changes (the changes alone for a new row)."""
    extras: dict[str, Any] = {}
    for column, default in (
        ("type", "generation" if merged.get("model") else "span"),
        ("level", "DEFAULT"),
        ("start_time", merged.get("end_time") or now),
    ):
        if changes.get(column) is None:
            value = merged.get(column)
            extras[column] = default if value is None else value
    tokens_in, tokens_out = merged.get("input_tokens"), merged.get("output_tokens")
    if merged.get("total_tokens") is None and (tokens_in is not None or tokens_out is not None):
        extras["total_tokens"] = (tokens_in or 0) + (tokens_out or 0)
    cost_in, cost_out = merged.get("reported_input_cost"), merged.get("reported_output_cost")
    if merged.get("reported_total_cost") is None and (cost_in is not None or cost_out is not None):
        extras["reported_total_cost"] = (cost_in or 0.0) + (cost_out or 0.0)
    return extras


def score_row(record: ScoreRecord, now: int) -> dict[str, Any]:
    """A score as a row (a retry with the same id replaces it)."""
    return {
        "id": record.id,
        "name": record.name,
        "data_type": record.data_type,
        "value": record.value,
        "string_value": record.string_value,
        "source": record.source,
        "trace_id": record.trace_id,
        "observation_id": record.observation_id,
        "session_id": record.session_id,
        "comment": record.comment,
        "metadata": jsontext.dumps(record.metadata),
        "author": record.author,
        "environment": record.environment,
        "timestamp": record.timestamp or now,
    }


def _fill_required(
    row: dict[str, Any], stored: dict[str, Any] | None, defaults: dict[str, Any]
) -> None:
    # NOT NULL columns are checked before the upsert's conflict handling, so they always
    # carry a value: the stored one for an update, a default for a new row.
    for column, default in defaults.items():
        if row[column] is None:
            row[column] = stored[column] if stored is not None else default


def _merge_stored_dicts(
    row: dict[str, Any],
    changes: dict[str, Any],
    stored: dict[str, Any] | None,
    columns: Iterable[str],
) -> None:
    if stored is None:
        return
    for column in columns:
        if column in changes and stored.get(column) is not None:
            current = {column: jsontext.loads(stored[column])}
            overlay(current, {column: changes[column]}, (column,))
            row[column] = current[column]


TRACE_COLUMNS = (
    "id",
    "name",
    "user_id",
    "session_id",
    "environment",
    "release",
    "version",
    "tags",
    "metadata",
    "input",
    "output",
    "reported_status",
    "status_message",
    "start_time",
    "end_time",
    "public",
    "bookmarked",
)

OBSERVATION_COLUMNS = (
    "id",
    "trace_id",
    "parent_id",
    "type",
    "name",
    "start_time",
    "end_time",
    "completion_start_time",
    "model",
    "provider",
    "model_parameters",
    "input",
    "output",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "reported_input_cost",
    "reported_output_cost",
    "reported_total_cost",
    "computed_input_cost",
    "computed_output_cost",
    "computed_total_cost",
    "level",
    "status_message",
    "metadata",
    "prompt_name",
    "prompt_version",
    "environment",
    "version",
    "attributes",
)
