"""A trace (as the API renders it) to the snapshot a tape keeps: only what the publisher chose
to show, metadata keys dropped or masked at any depth."""

from __future__ import annotations

from typing import Any

from tracehouse.tapes.schemas import RedactionIn

MASK = "***"
_STEP_FIELDS = (
    "id", "parent_id", "type", "name", "start_time", "end_time", "latency_ms",
    "time_to_first_token_ms", "model", "provider", "level", "status_message", "usage",
)  # fmt: skip


def build(trace: dict[str, Any], redaction: RedactionIn) -> dict[str, Any]:
    """The public copy of a trace: its summary and its steps, by start time."""
    return {
        "trace": _summary(trace, redaction),
        "steps": [_step(o, redaction) for o in trace["observations"]],
    }


def _summary(trace: dict[str, Any], redaction: RedactionIn) -> dict[str, Any]:
    body: dict[str, Any] = {
        key: trace[key]
        for key in ("name", "start_time", "end_time", "latency_ms", "status", "tags", "usage")
    }
    body["status_message"] = trace["status_message"]
    body["models"] = trace["models"]
    body["cost"] = trace["cost"] if redaction.costs else None
    if redaction.user_ids:
        body["user_id"], body["session_id"] = trace["user_id"], trace["session_id"]
    _add_content(body, trace, redaction)
    return body


def _step(o: dict[str, Any], redaction: RedactionIn) -> dict[str, Any]:
    body = {key: o[key] for key in _STEP_FIELDS}
    body["cost"] = o["cost"].get("total") if redaction.costs else None
    _add_content(body, o, redaction)
    return body


def _add_content(body: dict[str, Any], source: dict[str, Any], redaction: RedactionIn) -> None:
    """Input, output and metadata as chosen; the key rules apply inside all three."""
    if redaction.inputs:
        body["input"] = scrub(source["input"], redaction)
    if redaction.outputs:
        body["output"] = scrub(source["output"], redaction)
    if redaction.metadata:
        body["metadata"] = scrub(source["metadata"], redaction)


def scrub(value: Any, redaction: RedactionIn) -> Any:
    """`value` without the dropped keys and with the masked keys' values replaced."""
    drop, mask = set(redaction.drop_keys), set(redaction.mask_keys)
    if not drop and not mask:
        return value
    return _scrub(value, drop, mask)


def _scrub(value: Any, drop: set[str], mask: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: MASK if key in mask else _scrub(item, drop, mask)
            for key, item in value.items()
            if key not in drop
        }
    if isinstance(value, list):
        return [_scrub(item, drop, mask) for item in value]
    return value
