"""U+0000 in text bound to a statement is removed, so both databases store the same thing.

PostgreSQL refuses NUL in text columns while SQLite stores it; Langfuse strips it too. Every
string parameter of every statement passes through `strip_nul_parameters`, so names, ids,
comments and filters lose their NUL characters alike on both databases, and a lookup by an id
with NUL finds the row stored without it. JSON values (input, output, metadata) are stored as
text already encoded, where a NUL is the escape `\\u0000`, so they keep theirs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

_NUL = "\x00"


def _clean(value: Any) -> Any:
    if isinstance(value, str) and _NUL in value:
        return value.replace(_NUL, "")
    return value


def _has_nul(values: Any) -> bool:
    return any(isinstance(value, str) and _NUL in value for value in values)


def _clean_set(parameters: Any) -> Any:
    """One parameter set (a dict of names or a sequence of positions) without NUL."""
    if isinstance(parameters, dict):
        if not _has_nul(parameters.values()):
            return parameters
        return {name: _clean(value) for name, value in parameters.items()}
    if isinstance(parameters, list | tuple) and _has_nul(parameters):
        return type(parameters)(_clean(value) for value in parameters)
    return parameters


def strip_nul_parameters(parameters: Any, executemany: bool) -> Any:
    """The parameters of one statement (or, for executemany, a list of sets) without NUL."""
    if executemany and isinstance(parameters, list | tuple):
        return type(parameters)(_clean_set(one) for one in parameters)
    return _clean_set(parameters)


def install(engine: Engine) -> None:
    """Strip NUL from the text parameters of every statement `engine` runs."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _strip(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, executemany: bool
    ) -> tuple[str, Any]:
        return statement, strip_nul_parameters(parameters, executemany)
