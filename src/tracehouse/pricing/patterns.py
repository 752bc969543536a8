"""User-given regular expressions (custom prices' model-name patterns, evaluator `regex` rules):
RE2 syntax, matched in time linear in the text.

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


def _options(case_sensitive: bool) -> Any:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False  # a refused pattern is the caller's error, not a server log line
    return options


_OPTIONS = {False: _options(False), True: _options(True)}


def compile_pattern(
    pattern: str,
    *,
    case_sensitive: bool = False,
    max_length: int = MAX_LENGTH,
    as_bytes: bool = False,
) -> Any:
    """The compiled pattern (case-insensitive unless asked; matching UTF-8 bytes when asked);
    `ValueError` saying why when it is refused."""
    if len(pattern) > max_length:
        raise ValueError(f"longer than {max_length} characters")
    try:
        return re2.compile(pattern.encode() if as_bytes else pattern, _OPTIONS[case_sensitive])
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(f"not a supported (RE2) regular expression: {text}") from exc


def literal(name: str) -> str:
    """The pattern matching exactly `name` (any case)."""
    return re.escape(name)
