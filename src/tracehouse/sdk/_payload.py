"""Queued items to HTTP requests, on the delivery thread: captured values made JSON-safe (after
the user's mask), observations grouped by trace into one `POST /api/v1/traces/batch`, scores
into one `POST /api/v1/scores`, feedback last (its trace must exist)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from tracehouse.sdk._config import Config
from tracehouse.sdk._observation import Observation, TraceState

logger = logging.getLogger("tracehouse.sdk")
Request = tuple[str, Any]  # (path, JSON body)
_MAX_DEPTH = 12
_MASKED = ("input", "output", "metadata")


class CapturedArgs:
    """The arguments of an `@observe`d call, as references; named on the delivery thread."""

    __slots__ = ("args", "kwargs", "names")

    def __init__(self, names: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.names = names
        self.args = args
        self.kwargs = kwargs

    def named(self) -> dict[str, Any]:
        named = dict(zip(self.names, self.args, strict=False))
        if len(self.args) > len(self.names):
            named["args"] = list(self.args[len(self.names) :])
        named.update(self.kwargs)
        if self.names and self.names[0] in ("self", "cls"):
            del named[self.names[0]]
        return named


class CapturedItems(list[Any]):
    """What an `@observe`d generator yielded; strings are joined into one output."""


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy: containers recursed, models dumped, the rest `repr`ed."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth > _MAX_DEPTH:
        return "<max depth>"
    if isinstance(value, CapturedArgs):
        value = value.named()
    if isinstance(value, CapturedItems):
        return (
            "".join(value)
            if value and all(isinstance(v, str) for v in value)
            else [jsonable(v, depth + 1) for v in value]
        )
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth + 1) for v in value]
    return _object(value, depth)


def _object(value: Any, depth: int) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value, depth + 1)
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    dump = getattr(value, "model_dump", None)  # pydantic models, openai responses
    if callable(dump):
        try:
            return jsonable(dump(), depth + 1)
        except Exception:
            return repr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value), depth + 1)
    return repr(value)


def _prepare(value: Any, config: Config) -> Any:
    """Mask (the user's hook), then make JSON-safe. A failing mask hides the value."""
    if isinstance(value, CapturedArgs):
        value = value.named()
    if config.mask is not None:
        try:
            value = config.mask(value)
        except Exception:
            logger.exception("tracehouse: the mask function failed; value withheld")
            return "<masking failed>"
    return jsonable(value)


def _time(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _fields(fields: dict[str, Any], config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key in _MASKED:
            out[key] = _prepare(value, config)
        elif key == "completion_start_time":
            out[key] = _time(value)
        else:
            out[key] = jsonable(value)
    return out


def observation_body(observation: Observation, config: Config) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": observation.id,
        "type": observation.type,
        "start_time": observation.start_ns,
        "end_time": observation.end_ns,
    }
    if observation.parent_int is not None:
        body["parent_id"] = observation.parent_id
    if config.environment:
        body["environment"] = config.environment
    body.update(_fields(observation.fields, config))
    return body


def _root_fields(root: Observation, config: Config) -> dict[str, Any]:
    """A root observation names and bounds its trace, and gives its input and output."""
    fields: dict[str, Any] = {"start_time": root.start_ns, "end_time": root.end_ns}
    for key in ("name", "input", "output"):
        if key in root.fields:
            fields[key] = root.fields[key]
    if config.environment:
        fields["environment"] = config.environment
    if config.release:
        fields["release"] = config.release
    fields.update(root.trace.fields)
    return _fields(fields, config)


def build_requests(items: Iterable[Any], config: Config) -> list[Request]:
    traces: dict[str, dict[str, Any]] = {}
    scores: list[dict[str, Any]] = []
    feedback: list[Request] = []

    def trace_body(trace: TraceState) -> dict[str, Any]:
        return traces.setdefault(trace.id, {"id": trace.id, "observations": []})

    for item in items:
        if isinstance(item, Observation):
            body = trace_body(item.trace)
            body["observations"].append(observation_body(item, config))
            if item.is_root:
                body.update(_root_fields(item, config))
        elif item[0] == "trace":
            trace_body(item[1]).update(_fields(item[2], config))
        elif item[0] == "score":
            scores.append(_fields(item[1], config))
        elif item[0] == "feedback":
            feedback.append((f"/api/v1/traces/{quote(item[1], safe='')}/feedback", item[2]))
    requests: list[Request] = [("/api/v1/traces/batch", list(traces.values()))] if traces else []
    if scores:
        requests.append(("/api/v1/scores", scores))
    return requests + feedback
