"""Observations (spans, generations, tool calls, …) in progress and the trace they belong to.

Everything here runs on the caller's thread: an observation holds references and clock readings
while it runs, and is encoded to JSON bytes once it ends (`_payload.py`).
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._context import Entered, enter, leave
from tracehouse.sdk._payload import observation_item

if TYPE_CHECKING:
    from tracehouse.sdk._client import Tracehouse

#: Observation fields `update`/`end` accept (see docs/api.md for their meaning).
OBSERVATION_FIELDS = frozenset(
    {
        "name",
        "input",
        "output",
        "metadata",
        "level",
        "status_message",
        "model",
        "provider",
        "model_parameters",
        "usage",
        "cost",
        "completion_start_time",
        "prompt_name",
        "prompt_version",
        "version",
    }
)
#: Trace fields `update_current_trace` accepts.
TRACE_FIELDS = frozenset(
    {
        "name",
        "user_id",
        "session_id",
        "tags",
        "metadata",
        "input",
        "output",
        "status",
        "status_message",
        "environment",
        "release",
        "version",
        "public",
    }
)


LEVELS = frozenset({"DEBUG", "DEFAULT", "WARNING", "ERROR"})


def checked(client: Tracehouse, fields: dict[str, Any]) -> dict[str, Any]:
    """Drop (with one warning) fields the server would refuse, so they cannot cost a batch."""
    bad = fields.keys() - OBSERVATION_FIELDS
    level = fields.get("level")
    if level is not None:
        fields["level"] = level = str(level).upper()
        if level not in LEVELS:
            bad = bad | {"level"}
    if bad:
        client.log_once(f"observation fields ignored (unknown or invalid): {sorted(bad)}")
        fields = {k: v for k, v in fields.items() if k not in bad}
    return fields


def describe(error: BaseException) -> str:
    """`Type: message`; an exception whose `str()` raises is named by its type alone."""
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:
        return f"{type(error).__name__}: <str() failed>"


class TraceState:
    """What an observation knows of its trace: the id, the sampling decision, trace fields."""

    __slots__ = ("after_root", "fields", "id_int", "root_sent", "sampled")

    def __init__(self, id_int: int, sampled: bool) -> None:
        self.id_int = id_int
        self.sampled = sampled
        self.fields: dict[str, Any] = {}
        self.root_sent = False
        self.after_root: list[Any] = []  # items to send once the trace exists (feedback)

    @property
    def id(self) -> str:
        """32 hex digits: the OpenTelemetry trace id format."""
        return format(self.id_int, "032x")


def merge_fields(target: dict[str, Any], fields: dict[str, Any]) -> None:
    """Set the given (non-None) fields; `metadata` merges key by key, `tags` add up."""
    for key, value in fields.items():
        if value is None:
            continue
        if key == "metadata" and isinstance(target.get(key), dict) and isinstance(value, dict):
            target[key] = {**target[key], **value}
        elif key == "tags" and isinstance(target.get(key), list):
            target[key] = [*target[key], *value]
        else:
            target[key] = value


class Observation:
    """One span, generation, tool call… of a trace. Ends once; later changes are ignored.

    Use it as a context manager (it is then the current observation, and an exception marks it
    as an error), or call `end()` yourself.
    """

    __slots__ = (
        "_entered",
        "client",
        "end_ns",
        "fields",
        "id_int",
        "is_root",
        "parent_int",
        "start_ns",
        "trace",
        "type",
    )

    def __init__(
        self,
        client: Tracehouse,
        trace: TraceState,
        id_int: int,
        parent_int: int | None,
        type: str,
        fields: dict[str, Any],
        is_root: bool,
    ) -> None:
        self.client = client
        self.trace = trace
        self.id_int = id_int
        self.parent_int = parent_int
        self.type = type
        self.fields = fields
        self.is_root = is_root
        self.start_ns = time.time_ns()
        self.end_ns: int | None = None
        self._entered: Entered | None = None

    @property
    def id(self) -> str:
        """16 hex digits: the OpenTelemetry span id format."""
        return format(self.id_int, "016x")

    @property
    def trace_id(self) -> str:
        return self.trace.id

    @property
    def parent_id(self) -> str | None:
        return None if self.parent_int is None else format(self.parent_int, "016x")

    @property
    def ended(self) -> bool:
        return self.end_ns is not None

    def update(self, **fields: Any) -> Observation:
        """Set fields (`input`, `output`, `metadata`, `level`, `status_message`, `model`,
        `model_parameters`, `usage`, `cost`, `completion_start_time`, …) before it ends."""
        if self.end_ns is None:
            merge_fields(self.fields, checked(self.client, fields))
        return self

    def end(self, **fields: Any) -> None:
        """Set the last fields and the end time, and hand it to the delivery thread."""
        if self.end_ns is not None:
            return
        if fields:
            self.update(**fields)
        self.end_ns = time.time_ns()
        trace = self.trace
        if self.is_root:
            trace.root_sent = True
        if trace.sampled:
            self.client.record(observation_item, self)
            if self.is_root and trace.after_root:
                for item in trace.after_root:
                    self.client.delivery.put(item)
                trace.after_root.clear()

    def fail(self, error: BaseException) -> None:
        """Mark as an error: level `ERROR`, the exception as the status message."""
        self.update(level="ERROR", status_message=describe(error))

    def score(self, name: str, value: float | str | bool, **fields: Any) -> None:
        """Score this observation (see `Tracehouse.score` for the fields)."""
        self.client.score(name, value, trace_id=self.trace_id, observation_id=self.id, **fields)

    def __enter__(self) -> Observation:
        self._entered = enter(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._entered is not None:
            leave(self._entered)
            self._entered = None
        if exc is not None:
            self.fail(exc)
        self.end()

    def __repr__(self) -> str:
        name = self.fields.get("name")
        return f"<Observation {self.type} {name!r} id={self.id} trace={self.trace_id}>"
