"""Langfuse's JSON `filter` parameter: an array of `{type, column, operator, value, key?}`
conditions, every one of which must match, turned into SQL conditions over one table.

Each read names the columns it knows (`TRACE_COLUMNS`, `OBSERVATION_COLUMNS`,
`SCORE_COLUMNS`); an unknown column, type or operator, or a value of the wrong kind, is a 400
that says which condition is wrong, never a filter silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import ColumnElement, and_, false, func, not_, or_, true

from tracehouse.clock import to_us
from tracehouse.errors import InvalidRequest
from tracehouse.http.errors import field_errors
from tracehouse.store.jsonkey import JsonKey
from tracehouse.store.tables import (
    dataset_run_items,
    dataset_runs,
    datasets,
    observations,
    prompt_versions,
    prompts,
    scores,
    traces,
)
from tracehouse.store.textmatch import ILike
from tracehouse.traces.filters import tag_condition

FilterType = Literal[
    "datetime",
    "string",
    "number",
    "stringOptions",
    "categoryOptions",
    "arrayOptions",
    "stringObject",
    "numberObject",
    "boolean",
    "null",
]


class Condition(BaseModel):
    """One element of the `filter` array."""

    model_config = ConfigDict(extra="ignore")

    type: FilterType
    column: str
    operator: str
    value: Any = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """What a filter column reads; `fold` maps given values to stored ones (case)."""

    sql: ColumnElement[Any]
    fold: Callable[[Any], Any] | None = None


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _seconds(micros: ColumnElement[Any]) -> ColumnElement[Any]:
    return micros / 1_000_000.0


_t, _o, _s = traces.c, observations.c, scores.c

TRACE_COLUMNS: dict[str, Column] = {
    "id": Column(_t.id),
    "name": Column(_t.name),
    "timestamp": Column(_t.start_time),
    "userId": Column(_t.user_id),
    "sessionId": Column(_t.session_id),
    "environment": Column(func.coalesce(_t.environment, "default")),
    "release": Column(_t.release),
    "version": Column(_t.version),
    "tags": Column(_t.tags),
    "bookmarked": Column(_t.bookmarked),
    "public": Column(_t.public),
    "metadata": Column(_t.metadata),
    "input": Column(_t.input),
    "output": Column(_t.output),
    "latency": Column(_t.latency_ms / 1000.0),
    "inputTokens": Column(_t.input_tokens),
    "outputTokens": Column(_t.output_tokens),
    "totalTokens": Column(_t.total_tokens),
    "tokens": Column(_t.total_tokens),
    "totalCost": Column(_t.cost),
}

_observation_cost = {
    part: func.coalesce(_o[f"reported_{part}_cost"], _o[f"computed_{part}_cost"])
    for part in ("input", "output", "total")
}
OBSERVATION_COLUMNS: dict[str, Column] = {
    "id": Column(_o.id),
    "type": Column(_o.type, _lower),
    "name": Column(_o.name),
    "traceId": Column(_o.trace_id),
    "startTime": Column(_o.start_time),
    "endTime": Column(_o.end_time),
    "environment": Column(func.coalesce(_o.environment, _t.environment, "default")),
    "level": Column(_o.level, lambda v: v.upper() if isinstance(v, str) else v),
    "statusMessage": Column(_o.status_message),
    "version": Column(_o.version),
    "parentObservationId": Column(_o.parent_id),
    "isRootObservation": Column(_o.parent_id.is_(None)),
    "userId": Column(_t.user_id),
    "sessionId": Column(_t.session_id),
    "traceName": Column(_t.name),
    "traceTags": Column(_t.tags),
    "tags": Column(_t.tags),
    "latency": Column(_seconds(_o.end_time - _o.start_time)),
    "timeToFirstToken": Column(_seconds(_o.completion_start_time - _o.start_time)),
    "inputTokens": Column(_o.input_tokens),
    "outputTokens": Column(_o.output_tokens),
    "totalTokens": Column(_o.total_tokens),
    "tokens": Column(_o.total_tokens),
    "inputCost": Column(_observation_cost["input"]),
    "outputCost": Column(_observation_cost["output"]),
    "totalCost": Column(_observation_cost["total"]),
    "model": Column(_o.model),
    "providedModelName": Column(_o.model),
    "promptName": Column(_o.prompt_name),
    "promptVersion": Column(_o.prompt_version),
    "input": Column(_o.input),
    "output": Column(_o.output),
    "metadata": Column(_o.metadata),
}

SCORE_COLUMNS: dict[str, Column] = {
    "id": Column(_s.id),
    "name": Column(_s.name),
    "source": Column(_s.source, _lower),
    "dataType": Column(_s.data_type, lambda v: v.upper() if isinstance(v, str) else v),
    "value": Column(_s.value),
    "stringValue": Column(_s.string_value),
    "traceId": Column(_s.trace_id),
    "observationId": Column(_s.observation_id),
    "sessionId": Column(_s.session_id),
    "timestamp": Column(_s.timestamp),
    "environment": Column(func.coalesce(_s.environment, "default")),
    "comment": Column(_s.comment),
    "metadata": Column(_s.metadata),
}


_r, _d, _ri = dataset_runs.c, datasets.c, dataset_run_items.c
EXPERIMENT_COLUMNS: dict[str, Column] = {
    "id": Column(_r.id),
    "name": Column(_r.name),
    "datasetId": Column(_d.id),
}
EXPERIMENT_ITEM_COLUMNS: dict[str, Column] = {
    "experimentId": Column(_r.id),
    "experimentName": Column(_r.name),
    "experimentItemId": Column(_ri.dataset_item_id),
    "datasetId": Column(_d.id),
}

# Prompt filters match versions (inside an EXISTS over `prompt_versions`): a prompt is listed
# when one of its versions matches every condition.
_p, _pv = prompts.c, prompt_versions.c
PROMPT_COLUMNS: dict[str, Column] = {
    "id": Column(_pv.id),
    "name": Column(_p.name),
    "type": Column(_p.type, _lower),
    "version": Column(_pv.version),
    "createdAt": Column(_pv.created_at),
    "updatedAt": Column(_p.updated_at),
    "tags": Column(_p.tags),
    "config": Column(_pv.config),
}


def parse(text: str | None, columns: dict[str, Column]) -> list[ColumnElement[bool]]:
    """SQL conditions for the JSON `filter` text (none when it is empty)."""
    if text is None or not text.strip():
        return []
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _bad("filter is not valid JSON") from exc
    if not isinstance(raw, list):
        raise _bad("filter must be a JSON array of conditions")
    return [_condition(index, item, columns) for index, item in enumerate(raw)]


def _bad(message: str, details: Any = None) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid filter: {message}.",
        details if details is not None else {"field": "filter"},
    )


def _condition(index: int, item: Any, columns: dict[str, Column]) -> ColumnElement[bool]:
    try:
        condition = Condition.model_validate(item)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        for error in errors:
            error["field"] = f"filter[{index}].{error['field']}".rstrip(".")
        raise _bad(f"condition {index} is malformed", errors) from exc
    column = columns.get(condition.column)
    if column is None:
        raise _bad(
            f"condition {index}: unknown column {condition.column!r}; "
            f"use one of {', '.join(sorted(columns))}"
        )
    try:
        return _BUILDERS[condition.type](condition, column)
    except (TypeError, ValueError) as exc:
        raise _bad(f"condition {index} ({condition.column}): {exc}") from exc


# --- one builder per filter type ----------------------------------------------------------------

_COMPARE = {"=": "=", ">": ">", "<": "<", ">=": ">=", "<=": "<=", "!=": "!=", "<>": "!="}


def _compare(sql: ColumnElement[Any], operator: str, value: Any) -> ColumnElement[bool]:
    op = _COMPARE.get(operator)
    if op is None:
        raise ValueError(f"operator {operator!r} is not one of {', '.join(_COMPARE)}")
    return sql.op(op)(value)


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text(sql: ColumnElement[Any], operator: str, value: Any) -> ColumnElement[bool]:
    if not isinstance(value, str):
        raise ValueError("value must be a string")
    patterns = {
        "contains": f"%{_like(value)}%",
        "matches": f"%{_like(value)}%",
        "does not contain": f"%{_like(value)}%",
        "starts with": f"{_like(value)}%",
        "ends with": f"%{_like(value)}",
    }
    if operator in {"=", "!=", "<>"}:
        return _compare(sql, operator, value)
    if operator == "is not empty":
        return and_(sql.is_not(None), sql != "")
    if operator not in patterns:
        raise ValueError(
            f"operator {operator!r} is not one of =, !=, {', '.join(patterns)}, is not empty"
        )
    found = ILike(sql, patterns[operator])
    if operator == "does not contain":
        return or_(sql.is_(None), not_(found))
    return found


def _datetime(c: Condition, column: Column) -> ColumnElement[bool]:
    if not isinstance(c.value, str):
        raise ValueError("value must be an ISO 8601 timestamp")
    return _compare(column.sql, c.operator, to_us(c.value))


def _string(c: Condition, column: Column) -> ColumnElement[bool]:
    value = column.fold(c.value) if column.fold else c.value
    return _text(column.sql, c.operator, value)


def _number(c: Condition, column: Column) -> ColumnElement[bool]:
    if not isinstance(c.value, int | float) or isinstance(c.value, bool):
        raise ValueError("value must be a number")
    return _compare(column.sql, c.operator, c.value)


def _values(c: Condition, column: Column) -> list[Any]:
    if not isinstance(c.value, list) or not all(isinstance(v, str) for v in c.value):
        raise ValueError("value must be an array of strings")
    return [column.fold(v) for v in c.value] if column.fold else list(c.value)


def _options(c: Condition, column: Column) -> ColumnElement[bool]:
    values = _values(c, column)
    sql = JsonKey(column.sql, c.key) if c.key else column.sql
    if c.operator == "any of":
        return sql.in_(values) if values else false()
    if c.operator == "none of":
        return or_(sql.is_(None), sql.not_in(values)) if values else true()
    raise ValueError(f"operator {c.operator!r} is not one of: any of, none of")


def _array(c: Condition, column: Column) -> ColumnElement[bool]:
    matches = [tag_condition(column.sql, v) for v in _values(c, column)]
    if c.operator == "any of":
        return or_(*matches) if matches else false()
    if c.operator == "all of":
        return and_(*matches) if matches else true()
    if c.operator == "none of":
        return or_(column.sql.is_(None), not_(or_(*matches))) if matches else true()
    raise ValueError(f"operator {c.operator!r} is not one of: any of, all of, none of")


def _object_key(c: Condition) -> str:
    if not c.key:
        raise ValueError(f"a {c.type} filter needs a key")
    return c.key


def _string_object(c: Condition, column: Column) -> ColumnElement[bool]:
    sql = JsonKey(column.sql, _object_key(c))
    if c.operator == "is set":
        return sql.is_not(None)
    if c.operator == "is not set":
        return sql.is_(None)
    return _text(sql, c.operator, c.value)


def _number_object(c: Condition, column: Column) -> ColumnElement[bool]:
    return _number(c, Column(JsonKey(column.sql, _object_key(c), number=True)))


def _boolean(c: Condition, column: Column) -> ColumnElement[bool]:
    if not isinstance(c.value, bool):
        raise ValueError("value must be true or false")
    if c.operator not in {"=", "<>", "!="}:
        raise ValueError(f"operator {c.operator!r} is not one of: =, <>")
    wanted = c.value if c.operator == "=" else not c.value
    return column.sql.is_(True) if wanted else column.sql.is_not(True)


def _null(c: Condition, column: Column) -> ColumnElement[bool]:
    if c.operator == "is null":
        return column.sql.is_(None)
    if c.operator == "is not null":
        return column.sql.is_not(None)
    raise ValueError(f"operator {c.operator!r} is not one of: is null, is not null")


_BUILDERS: dict[str, Callable[[Condition, Column], ColumnElement[bool]]] = {
    "datetime": _datetime,
    "string": _string,
    "number": _number,
    "stringOptions": _options,
    "categoryOptions": _options,
    "arrayOptions": _array,
    "stringObject": _string_object,
    "numberObject": _number_object,
    "boolean": _boolean,
    "null": _null,
}
