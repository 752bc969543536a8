"""Recorded items to JSON bytes, on the caller's thread as they are recorded: values masked (the
user's hook), made JSON-safe within a per-item budget of work and size (cycles cut, depth, node
and character limits, a failing `repr` replaced), then encoded once. An item is a
`(path, bytes)` pair; the delivery thread only joins items into requests, so a bad value costs
at most its own item and the buffer holds bytes, never the app's objects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import logging
import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tracehouse.sdk._config import Config

if TYPE_CHECKING:
    from tracehouse.sdk._observation import Observation, TraceState

logger = logging.getLogger("tracehouse.sdk")
TRACES_PATH = "/api/v1/traces/batch"
SCORES_PATH = "/api/v1/scores"
LIST_PATHS = (TRACES_PATH, SCORES_PATH)  # bodies are JSON arrays of items
Item = tuple[str, bytes]
MAX_DEPTH = 12
MAX_NODES = 10_000  # containers and objects walked per item: bounds the work on any graph
_MASKED = ("input", "output", "metadata")
_ROOT_KEYS = frozenset({"name", "input", "output", "environment"})
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
# The C encoder called directly (what `json.dumps` ends in, without its wrappers); values are
# already JSON-safe and acyclic, so it needs no `default` and no cycle check.
_c_encode: Any = (
    _c_make_encoder(
        None, None, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
    )
    if _c_make_encoder is not None
    else None
)
_py_encode = json.JSONEncoder(separators=(",", ":")).encode


def _encode(value: Any) -> str:
    return _py_encode(value) if _c_encode is None else "".join(_c_encode(value, 0))


_LONG_INT = 1 << 63


class CapturedArgs:
    """The arguments of an `@observe`d call, as references until the observation ends."""

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


_CAPTURED = (CapturedArgs, CapturedItems)  # named (and masked) by `safe`


class Budget:
    """What one item may still cost: characters of text and containers walked. The containers
    on the current path are tracked, so a structure that contains itself is cut, not walked."""

    __slots__ = ("chars", "nodes", "path")

    def __init__(self, chars: int) -> None:
        self.chars = chars
        self.nodes = MAX_NODES
        self.path: set[int] = set()


def _text(value: str, budget: Budget) -> str:
    budget.chars -= len(value)
    return value if budget.chars >= 0 else _cut(value, budget)


def _cut(value: str, budget: Budget) -> str:
    """`value` over budget (already charged): what fits, and how much was left out."""
    size = len(value)
    keep = max(0, size + budget.chars)
    budget.chars = 0
    return f"{value[:keep]}…<{size - keep} more characters>"


def jsonable(value: Any, budget: Budget, depth: int = 0) -> Any:
    """A JSON-safe copy within `budget`: containers recursed, models dumped, the rest `repr`ed."""
    kind = type(value)
    if kind is str:
        budget.chars -= len(value)
        return value if budget.chars >= 0 else _cut(value, budget)
    if value is None or kind is bool:
        return value
    if kind is int:
        return value if -_LONG_INT <= value < _LONG_INT else f"<int of {value.bit_length()} bits>"
    if kind is float:
        return value if math.isfinite(value) else str(value)
    budget.nodes -= 1
    if budget.nodes < 0 or budget.chars <= 0:
        return "<truncated>"
    if depth > MAX_DEPTH:
        return "<max depth>"
    key = id(value)
    if key in budget.path:
        return "<cycle>"
    budget.path.add(key)
    try:
        if kind is dict or isinstance(value, dict):
            return _dict(value, budget, depth + 1)
        if kind is list or kind is tuple or isinstance(value, list | tuple | set | frozenset):
            return _list(value, budget, depth + 1)
        return _object(value, budget, depth + 1)
    except Exception:
        return _repr(value, budget)
    finally:
        budget.path.discard(key)


def _dict(value: dict[Any, Any], budget: Budget, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in value.items():
        if budget.nodes <= 0 or budget.chars <= 0:
            out["…"] = f"<{len(value) - len(out)} more entries>"
            break
        if type(k) is not str:
            k = _key(k)
        budget.chars -= len(k)
        out[k] = jsonable(v, budget, depth)
    return out


def _list(value: Any, budget: Budget, depth: int) -> list[Any]:
    items: list[Any] = []
    for v in value:
        if budget.nodes <= 0 or budget.chars <= 0:
            items.append(f"<{len(value) - len(items)} more items>")
            break
        items.append(jsonable(v, budget, depth))
    return items


def _key(key: Any) -> str:
    try:
        return str(key)
    except Exception:
        return f"<unrepresentable {type(key).__name__}>"


def _object(value: Any, budget: Budget, depth: int) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value, budget, depth)
    if isinstance(value, str):  # subclasses of the basic types
        return _text(str.__str__(value), budget)
    if isinstance(value, int | float):
        return jsonable((int if isinstance(value, int) else float)(value), budget, depth)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    dump = getattr(value, "model_dump", None)  # pydantic models, openai responses
    if callable(dump):
        return jsonable(dump(), budget, depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return jsonable(fields, budget, depth)
    return _repr(value, budget)


def _repr(value: Any, budget: Budget) -> str:
    """`repr(value)` within the budget; an object whose `repr` raises is named by its type."""
    try:
        text = repr(value)
    except Exception:
        return f"<unrepresentable {type(value).__name__}>"
    return _text(text, budget) if isinstance(text, str) else "<unrepresentable>"


def safe(value: Any, config: Config, budget: Budget) -> Any:
    """Mask (the user's hook), then make JSON-safe. A failing mask hides the value."""
    if isinstance(value, CapturedArgs):
        value = value.named()
    elif isinstance(value, CapturedItems) and value and all(type(v) is str for v in value):
        value = "".join(value)
    if config.mask is not None:
        try:
            value = config.mask(value)
        except Exception:
            logger.exception("tracehouse: the mask function failed; value withheld")
            return "<masking failed>"
    return value if _small(value, budget) else jsonable(value, budget)


def _small(value: Any, budget: Budget) -> bool:
    """A flat dict or list of short strings and small numbers (most arguments): JSON-safe as it
    is, and cheap, so the walk is skipped. Charges the budget for what it accepts."""
    kind = type(value)
    if kind is dict:
        items: Any = value.values()
        if not all(type(k) is str for k in value):
            return False
    elif kind is list or kind is tuple:
        items = value
    else:
        return False
    if len(items) > 32:
        return False
    size = 0
    for item in items:
        kind = type(item)
        if kind is str:
            size += len(item)
        elif not (item is None or kind is bool or (kind is int and -_LONG_INT <= item < _LONG_INT)):
            return False
    if size > 4096:
        return False
    budget.chars -= size
    return True


def _fields(fields: dict[str, Any], config: Config, budget: Budget) -> dict[str, Any]:
    out: dict[str, Any] = {}
    masked = _MASKED if config.mask is not None else ()
    for key, value in fields.items():
        if key in masked or type(value) in _CAPTURED:
            out[key] = safe(value, config, budget)
        elif key == "completion_start_time" and isinstance(value, dt.datetime):
            out[key] = value.isoformat()
        else:
            out[key] = jsonable(value, budget)
    return out


def dumps(body: dict[str, Any], config: Config) -> bytes:
    """Compact JSON; a body over the item budget has its large values replaced by a note."""
    data = _encode(body).encode()
    if len(data) <= 2 * config.max_item_bytes:  # the budget counts characters, not bytes
        return data
    for part in body.get("observations", [body]):
        for key in _MASKED:
            if key in part:
                part[key] = f"<{len(data)} bytes: too large to send>"
    return _encode(body).encode()


def observation_item(observation: Observation, config: Config) -> Item:
    """An ended observation as one entry of `POST /api/v1/traces/batch` (with its trace's
    fields when it is the root: a trace takes its name, input, output and times from it).

    This runs for every observed call, so the JSON is assembled around a single encoding of
    the fields (ids, type and times are plain hex, names and integers)."""
    budget = Budget(config.max_item_bytes)
    fields = _fields(observation.fields, config, budget)
    if config.environment:
        fields["environment"] = config.environment
    encoded = _encode(fields)
    if len(encoded) > 2 * config.max_item_bytes:
        return _large_observation(observation, fields, config, budget)
    times = f'"start_time":{observation.start_ns},"end_time":{observation.end_ns}'
    head = f'{{"id":"{observation.id}","type":"{observation.type}",{times}'
    if observation.parent_int is not None:
        head += f',"parent_id":"{observation.parent_id}"'
    body = f'{{"id":"{observation.trace.id}","observations":[{head}{_members(encoded)}}}]'
    if observation.is_root:
        if (
            observation.trace.fields
            or config.release
            or config.vcs
            or not fields.keys() <= _ROOT_KEYS
        ):
            encoded = _encode(_root_fields(observation, fields, config, budget))
        # else the usual @observe root: its fields are the trace's too
        body += f",{times}{_members(encoded)}"
    return TRACES_PATH, (body + "}").encode()


def _members(encoded: str) -> str:
    """The members of an encoded object, to follow others: `,"a":1,"b":2` (or nothing)."""
    return f",{encoded[1:-1]}" if len(encoded) > 2 else ""


def _large_observation(
    observation: Observation, fields: dict[str, Any], config: Config, budget: Budget
) -> Item:
    body: dict[str, Any] = {
        "id": observation.id,
        "type": observation.type,
        "start_time": observation.start_ns,
        "end_time": observation.end_ns,
        **fields,
    }
    if observation.parent_int is not None:
        body["parent_id"] = observation.parent_id
    trace: dict[str, Any] = {"id": observation.trace.id, "observations": [body]}
    if observation.is_root:
        trace.update(_root_fields(observation, fields, config, budget))
        trace.update(start_time=observation.start_ns, end_time=observation.end_ns)
    return TRACES_PATH, dumps(trace, config)


def _root_fields(
    root: Observation, fields: dict[str, Any], config: Config, budget: Budget
) -> dict[str, Any]:
    out = {key: fields[key] for key in _ROOT_KEYS if key in fields}
    if config.release:
        out["release"] = config.release
    if root.trace.fields:
        out.update(_fields(root.trace.fields, config, budget))
    given = out.get("metadata")
    if config.vcs and (given is None or isinstance(given, dict)):
        out["metadata"] = {**config.vcs, **(given or {})}
    return out


def trace_item(trace: TraceState, fields: dict[str, Any], config: Config) -> Item:
    """Trace fields set after its root observation ended."""
    body = {"id": trace.id, **_fields(fields, config, Budget(config.max_item_bytes))}
    return TRACES_PATH, dumps(body, config)


def score_item(fields: dict[str, Any], config: Config) -> Item:
    return SCORES_PATH, dumps(_fields(fields, config, Budget(config.max_item_bytes)), config)


def feedback_item(trace_id: str, body: dict[str, Any], config: Config) -> Item:
    path = f"/api/v1/traces/{quote(trace_id, safe='')}/feedback"
    return path, dumps(_fields(body, config, Budget(config.max_item_bytes)), config)
