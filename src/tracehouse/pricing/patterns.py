"""Model-name patterns of custom prices: RE2 syntax, matched in time linear in the name.

Python's `re` backtracks: `(a+)+$` against 27 `a` and a `!` takes seconds, and prices are
matched on the single writer thread, so one such pattern stalled every project. RE2 never
backtracks; it has no backreferences nor lookarounds, and refuses them (and a compiled program
too large for its memory budget) when a price is saved.
"""

from __future__ import annotations

import re
from typing import Any

import re2

#: Longest pattern accepted when a price is saved (the column holds 500 characters).
MAX_LENGTH = 500


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a refused pattern is the caller's error, not a server log line
    return options


_OPTIONS = _options()


def compile_pattern(pattern: str) -> Any:
    """The compiled case-insensitive pattern; `ValueError` saying why when it is refused."""
    if len(pattern) > MAX_LENGTH:
        raise ValueError(f"longer than {MAX_LENGTH} characters")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(f"not a supported (RE2) regular expression: {text}") from exc


def literal(name: str) -> str:
    """The pattern matching exactly `name` (any case)."""
    return re.escape(name)
