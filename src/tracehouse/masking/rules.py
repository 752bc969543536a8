"""Stored rules → the engine's rules: validation of what is saved, and a project's masker."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection

from tracehouse.errors import ValidationFailed
from tracehouse.masking import detectors, store
from tracehouse.masking.engine import ACTIONS, TARGETS, Masker, Rule, built_in_rule, custom_pattern

CUSTOM = "custom"
#: Names appear in replacements (`[REDACTED:<name>]`): plain characters only.
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def _refuse(field: str, message: str) -> ValidationFailed:
    detail = {"field": field, "message": message, "type": "masking_rule"}
    return ValidationFailed(f"{field}: {message}.", [detail])


def validate(fields: dict[str, Any]) -> None:
    """Raise 422 for a rule that cannot apply (the pattern is compiled here, never later)."""
    detector = fields["detector"]
    if detector != CUSTOM and detector not in detectors.BY_NAME:
        names = ", ".join([*detectors.BY_NAME, CUSTOM])
        raise _refuse("detector", f"unknown detector {detector!r} (one of {names})")
    if fields["action"] not in ACTIONS:
        raise _refuse("action", f"one of {', '.join(ACTIONS)}")
    if fields["target"] not in TARGETS:
        raise _refuse("target", f"one of {', '.join(TARGETS)}")
    if not NAME.match(fields["name"]):
        raise _refuse("name", "1-100 letters, digits, '_', '.' or '-'")
    if detector == CUSTOM:
        _validate_custom(fields)
    elif fields.get("pattern") or fields["target"] != "values":
        raise _refuse("pattern", "built-in detectors take no pattern and match values only")


def _validate_custom(fields: dict[str, Any]) -> None:
    pattern = fields.get("pattern")
    if not pattern:
        raise _refuse("pattern", "a custom rule needs a pattern")
    try:
        custom_pattern(pattern, fields["case_sensitive"])
    except ValueError as exc:
        raise _refuse("pattern", str(exc)) from exc


def engine_rule(row: Any) -> Rule:
    """A stored rule as the engine runs it."""
    if row["detector"] != CUSTOM:
        return built_in_rule(row["id"], row["detector"], row["action"])
    pattern = custom_pattern(row["pattern"], row["case_sensitive"])
    return Rule(row["id"], row["name"], pattern, row["action"], row["target"])


def _order(row: Any) -> int:
    """Custom rules first (in creation order), then the built-ins in their fixed order."""
    return -1 if row["detector"] == CUSTOM else detectors.ORDER[row["detector"]]


def masker_for_rows(rows: list[Any], key: bytes) -> Masker | None:
    enabled = sorted((row for row in rows if row["enabled"]), key=_order)
    return Masker(tuple(engine_rule(row) for row in enabled), key) if enabled else None


def masker_of(conn: Connection, project_rowid: int) -> Masker | None:
    """The project's masker, or None when it has no enabled rule (nothing to do)."""
    found = store.state(conn, project_rowid)
    if found is None:
        return None
    return masker_for_rows(store.list_rules(conn, project_rowid), found[1])
