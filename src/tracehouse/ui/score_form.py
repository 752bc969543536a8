"""A score given by a person on any node of a trace (the trace or one observation), typed by
one of the project's score configs or, without one, by its value (number, true/false, text)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tracehouse.annotations import service as queues
from tracehouse.errors import InvalidRequest
from tracehouse.ingest.decoders.native import ScoreIn
from tracehouse.ui.routes.annotation_queues import form_value


def _guessed(raw: str) -> Any:
    """A value typed without a score config: a number, true/false, else a category."""
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    try:
        return float(raw)
    except ValueError:
        return raw


def node_score(fields: dict[str, str], configs: list[dict[str, Any]], trace_id: str) -> ScoreIn:
    """The score the form describes, checked against its config (range, categories)."""
    name, raw = fields.get("name", "").strip(), fields.get("value", "").strip()
    if not name or not raw:
        raise InvalidRequest("Give the score a name and a value.", {"field": "value"})
    config = next((c for c in configs if c["name"] == name), None)
    value = _guessed(raw) if config is None else form_value(config, raw)
    if config is not None:
        queues.typed_value(config, value)
    try:
        return ScoreIn(
            name=name,
            value=value,
            data_type=config["data_type"] if config else None,
            trace_id=trace_id,
            observation_id=fields.get("observation_id") or None,
            comment=fields.get("comment", "").strip() or None,
            source="annotation",
        )
    except ValidationError as exc:
        raise InvalidRequest(f"The score was not saved: {exc.errors()[0]['msg']}.") from exc
