"""A trace (as the API renders it) to the snapshot a tape keeps: only what the publisher chose
to show, metadata keys dropped or masked at any depth, and the project's PII masking rules
applied to every text (`docs/masking.md`), even to traces stored before the rules existed."""

from __future__ import annotations

from typing import Any

from tracehouse.masking.engine import Masker
from tracehouse.tapes.schemas import RedactionIn

MASK = "***"
_STEP_FIELDS = (
    "id", "parent_id", "type", "name", "start_time", "end_time", "latency_ms",
    "time_to_first_token_ms", "model", "provider", "level", "status_message", "usage",
)  # fmt: skip


#: What masking leaves alone: ids link the steps, times place them.
_NOT_MASKED = frozenset({"id", "parent_id", "start_time", "end_time"})


def build(
    trace: dict[str, Any], redaction: RedactionIn, masker: Masker | None = None
) -> dict[str, Any]:
    """The public copy of a trace: its summary and its steps, by start time."""
    summary = _summary(trace, redaction)
    steps = [_step(o, redaction) for o in trace["observations"]]
    if masker is not None:
        for body in (summary, *steps):
            _mask(body, masker)
    return {"trace": summary, "steps": steps}


def _mask(body: dict[str, Any], masker: Masker) -> None:
    for key, value in body.items():
        if key not in _NOT_MASKED and value is not None:
            body[key] = masker.mask_value(value)[0]


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
