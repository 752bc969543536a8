"""A streamed call recorded in two parts becomes one generation.

logfire's OpenAI (and Anthropic) instrumentation records a streamed call as the request's span,
which ends when the stream is handed back, and, once the stream is read, a zero-length log
beside it that carries the output and the usage. The log (`streamed_response` in its changes)
is folded into the latest generation of the same trace and parent that started before it and
has no output yet (in the batch, else stored): its output, usage and costs go there and the
stream's end becomes the generation's end. A log with no such generation stays on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracehouse.ingest import merge

#: What the stream's record gives its request's generation.
_MOVED = (
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
    "completion_start_time",
    "level",
    "status_message",
)

#: (trace id, parent id, started at or before) → the id of a stored generation with no output
StoredRequest = Callable[[str, str | None, int], str | None]


def fold(
    changes: dict[str, dict[str, Any]],
    derived: dict[str, dict[str, Any]],
    stored_request: StoredRequest,
    now: int,
) -> None:
    """Fold every `streamed_response` observation of `changes` into its request, in place."""
    streamed = [oid for oid, values in changes.items() if values.pop("streamed_response", None)]
    for oid in streamed:
        values = changes[oid]
        end = values.get("start_time") or values.get("end_time")
        if end is None:
            continue
        target = _request_in_batch(changes, oid, end) or stored_request(
            values["trace_id"], values.get("parent_id"), end
        )
        if target is None:
            continue
        moved = {key: values[key] for key in _MOVED if key in values}
        into = changes.setdefault(target, {"trace_id": values["trace_id"]})
        merge.overlay(into, {**moved, "end_time": end}, ())
        if target in derived:
            derived[target] = merge.derived(into, into, now)
        del changes[oid]
        derived.pop(oid, None)


def _request_in_batch(changes: dict[str, dict[str, Any]], oid: str, end: int) -> str | None:
    values = changes[oid]
    best: tuple[int, str] | None = None
    for other, candidate in changes.items():
        start = candidate.get("start_time")
        if (
            other != oid
            and candidate.get("type") == "generation"
            and candidate.get("trace_id") == values["trace_id"]
            and candidate.get("parent_id") == values.get("parent_id")
            and candidate.get("output") is None
            and start is not None
            and start <= end
            and (best is None or start > best[0])
        ):
            best = (start, other)
    return best[1] if best else None
