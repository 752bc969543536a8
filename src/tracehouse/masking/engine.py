"""Applying a project's masking rules to a batch's changes (pure: no database, no HTTP).

A `Masker` holds the rules and the project's hash key; it pickles small, so an OTLP worker
process masks the batch it decodes. Compiled patterns are cached per rule set in each process.

Cost: with only built-in rules, every record's changes are serialised to JSON (orjson) and the
whole batch's text is scanned once with the detectors' hints (RE2, linear); only the records
the hints flag are walked value by value. Custom rules have no hint, so every record is walked.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from tracehouse.masking import detectors
from tracehouse.pricing.patterns import compile_pattern

ACTIONS = ("redact", "hash", "drop_key")
TARGETS = ("values", "keys")
#: The text columns masked, per kind of record (ids, times, numbers, model names are not).
TRACE_COLUMNS = (
    "name",
    "default_name",
    "user_id",
    "session_id",
    "release",
    "version",
    "tags",
    "metadata",
    "input",
    "output",
    "status_message",
)
OBSERVATION_COLUMNS = (
    "name",
    "input",
    "output",
    "metadata",
    "attributes",
    "model_parameters",
    "status_message",
    "version",
)
SCORE_FIELDS = ("name", "string_value", "comment", "metadata")
#: Deeper than this, a value is masked as its JSON text (no stack is exhausted).
MAX_DEPTH = 100
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS
#: Short texts found clean are remembered (up to this many, this long) per rule set.
CLEAN_ENTRIES = 20_000
CLEAN_LENGTH = 200
#: Records are scanned for hints in runs of about this many bytes of JSON.
CHUNK_BYTES = 64 * 1024
#: The longest union of a rule set's patterns (custom patterns are at most 500 each).
UNION_LENGTH = 100_000


@dataclass(frozen=True, slots=True)
class Rule:
    """One enabled rule: a built-in detector's or a custom RE2 pattern, and what to do."""

    id: str
    label: str
    pattern: str
    action: str = "redact"
    target: str = "values"
    check: str | None = None
    hint: str | None = None


def custom_pattern(pattern: str, case_sensitive: bool) -> str:
    """The pattern as the engine runs it: `^`/`$` match at line ends, case as asked.

    Raises ValueError for what is refused: not RE2 (backreferences, lookarounds), too
    large, text-start/end anchors (`\\A`, `\\z`), or a pattern matching the empty text."""
    if "\\A" in pattern or "\\z" in pattern:
        raise ValueError("\\A and \\z are not supported; use ^ and $ (line start and end)")
    wrapped = f"(?{'' if case_sensitive else 'i'}m:{pattern})"
    compiled = compile_pattern(wrapped, case_sensitive=True)
    if compiled.search("") is not None:
        raise ValueError("the pattern matches the empty text")
    return wrapped


def built_in_rule(rule_id: str, detector: str, action: str) -> Rule:
    found = detectors.BY_NAME[detector]
    return Rule(rule_id, detector, found.pattern, action, "values", found.check, found.hint)


class _Compiled:
    """A rule set's compiled patterns."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.values = [
            (rule, compile_pattern(rule.pattern, case_sensitive=True))
            for rule in rules
            if rule.target == "values"
        ]
        self.keys = [
            (rule, compile_pattern(rule.pattern, case_sensitive=True))
            for rule in rules
            if rule.target == "keys"
        ]
        self.any_value = _union(rule for rule, _ in self.values)
        self.any_key = _union(rule for rule, _ in self.keys)
        hinted = all(rule.hint for rule in rules)
        self.hint = _union(rules, hints=True) if hinted and rules else None
        #: Short texts known to hold nothing to mask (attribute names, model names, …).
        self.clean: set[str] = set()


def _union(rules: Iterable[Rule], *, hints: bool = False) -> Any:
    """One pattern matching where any rule's pattern (or hint, on UTF-8 bytes) matches."""
    parts = [f"(?:{rule.hint if hints else rule.pattern})" for rule in rules]
    if not parts:
        return None
    union = "|".join(parts)
    return compile_pattern(union, case_sensitive=True, max_length=UNION_LENGTH, as_bytes=hints)


@functools.lru_cache(maxsize=64)
def _compiled(rules: tuple[Rule, ...]) -> _Compiled:
    return _Compiled(rules)


@dataclass(frozen=True, slots=True)
class Masker:
    """A project's enabled rules, in the order they apply, and its hash key."""

    rules: tuple[Rule, ...]
    key: bytes

    def mask_changes(
        self,
        traces: dict[str, dict[str, Any]],
        observations: dict[str, dict[str, Any]],
        scores: list[Any],
    ) -> Counter[str]:
        """Mask a batch's changes in place; returns how many values each rule masked."""
        run = _Run(self, _compiled(self.rules))
        records: list[tuple[dict[str, Any], tuple[str, ...]]] = [
            (values, TRACE_COLUMNS) for values in traces.values()
        ]
        records += [(values, OBSERVATION_COLUMNS) for values in observations.values()]
        for values, columns in run.flagged(records):
            run.columns(values, columns)
        for score in scores:
            run.fields(score, SCORE_FIELDS)
        return run.counts

    def mask_text(self, text: str) -> tuple[str, Counter[str]]:
        """One text masked (the preview), with the counts."""
        run = _Run(self, _compiled(self.rules))
        return run.text(text)[0], run.counts

    def mask_value(self, value: Any) -> tuple[Any, Counter[str]]:
        """Any JSON value masked (metric attributes, a tape's snapshot), with the counts."""
        run = _Run(self, _compiled(self.rules))
        return run.value(value, 0)[0], run.counts


class _Run:
    """One masking pass: the compiled rules and the counts so far."""

    def __init__(self, masker: Masker, compiled: _Compiled):
        self.key = masker.key
        self.compiled = compiled
        self.counts: Counter[str] = Counter()

    def flagged(
        self, records: list[tuple[dict[str, Any], tuple[str, ...]]]
    ) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
        """The records that may hold something to mask (all of them without hints)."""
        hint = self.compiled.hint
        if hint is None or not records:
            return records
        blobs = [_json(values, columns) for values, columns in records]
        flagged = {index for index, blob in enumerate(blobs) if blob is None}
        first = size = 0
        for index, blob in enumerate(blobs):
            size += len(blob or b"") + 1
            if size >= CHUNK_BYTES or index == len(blobs) - 1:
                flagged.update(_scan(hint, blobs[first : index + 1], first))
                first, size = index + 1, 0
        return [records[index] for index in sorted(flagged)]

    def columns(self, values: dict[str, Any], columns: tuple[str, ...]) -> None:
        for column in columns:
            value = values.get(column)
            if value is not None:
                values[column] = self.value(value, 0)[0]

    def fields(self, record: Any, names: tuple[str, ...]) -> None:
        for name in names:
            value = getattr(record, name)
            if value is not None:
                setattr(record, name, self.value(value, 0)[0])

    def value(self, value: Any, depth: int) -> tuple[Any, bool]:
        """The value masked, and whether a drop-key rule asks to remove its key."""
        if isinstance(value, str):
            return self.text(value)
        if depth >= MAX_DEPTH and isinstance(value, dict | list):
            return self.text(orjson.dumps(value, option=_JSON_OPTIONS).decode())
        if isinstance(value, dict):
            return self.mapping(value, depth), False
        if isinstance(value, list | tuple):
            return [self.value(item, depth + 1)[0] for item in value], False
        return value, False

    def mapping(self, value: dict[Any, Any], depth: int) -> dict[Any, Any]:
        masked: dict[Any, Any] = {}
        for key, item in value.items():
            new_key, drop = self.text(key) if isinstance(key, str) else (key, False)
            rule = self.key_rule(new_key) if self.compiled.keys and isinstance(key, str) else None
            if rule is not None:
                drop = drop or rule.action == "drop_key"
                item = None if drop else self.replacement(rule, _as_text(item))
            else:
                item, dropped = self.value(item, depth + 1)
                drop = drop or dropped
            if not drop:
                masked[new_key] = item
        return masked

    def key_rule(self, key: str) -> Rule | None:
        if self.compiled.any_key.search(key) is None:
            return None
        for rule, pattern in self.compiled.keys:
            if pattern.search(key) is not None:
                self.counts[rule.id] += 1
                return rule
        return None

    def text(self, text: str) -> tuple[str, bool]:
        """The text with every match replaced, and whether a drop-key rule matched."""
        compiled = self.compiled
        if compiled.any_value is None or text in compiled.clean:
            return text, False
        # The hints on bytes first: far cheaper per call than a pattern on str.
        if (compiled.hint is not None and compiled.hint.search(text.encode()) is None) or (
            compiled.any_value.search(text) is None
        ):
            if len(text) <= CLEAN_LENGTH and len(compiled.clean) < CLEAN_ENTRIES:
                compiled.clean.add(text)  # names, keys and short values come back often
            return text, False
        drop = False
        for rule, pattern in self.compiled.values:
            text, hits = self.sub(rule, pattern, text)
            drop = drop or (hits > 0 and rule.action == "drop_key")
        return text, drop

    def sub(self, rule: Rule, pattern: Any, text: str) -> tuple[str, int]:
        check = detectors.CHECKS[rule.check] if rule.check else None
        parts: list[str] = []
        done = hits = 0
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if check is not None:
                length = check(text[start:end])
                if length is None:
                    continue
                end = start + length
            parts += (text[done:start], self.replacement(rule, text[start:end]))
            done, hits = end, hits + 1
        if not hits:
            return text, 0
        self.counts[rule.id] += hits
        parts.append(text[done:])
        return "".join(parts), hits

    def replacement(self, rule: Rule, found: str) -> str:
        if rule.action == "hash":
            digest = hmac.new(self.key, found.encode(), hashlib.sha256).hexdigest()[:16]
            return f"[HASH:{rule.label}:{digest}]"
        return f"[REDACTED:{rule.label}]"


def _scan(hint: Any, blobs: list[bytes | None], base: int) -> set[int]:
    """The indexes (from `base`) of the blobs a hint match overlaps; once a match is found,
    the search goes on from the next blob (each search copies the text: it stays short)."""
    starts, offset = [], 0
    for blob in blobs:
        starts.append(offset)
        offset += len(blob or b"") + 1
    text, position = b"\n".join([blob or b"" for blob in blobs]), 0
    flagged: set[int] = set()
    while (match := hint.search(text, position)) is not None:
        first = bisect.bisect_right(starts, match.start()) - 1
        last = bisect.bisect_right(starts, max(match.end() - 1, match.start())) - 1
        flagged.update(range(base + first, base + last + 1))
        if last + 1 >= len(starts):
            break
        position = starts[last + 1]
    return flagged


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value, option=_JSON_OPTIONS).decode()


def _json(values: dict[str, Any], columns: tuple[str, ...]) -> bytes | None:
    """The record's text columns as JSON (what the hints scan); None when they are not
    JSON-able (never from the decoders): the record is then walked."""
    try:
        return orjson.dumps([values.get(column) for column in columns], option=_JSON_OPTIONS)
    except TypeError:
        return None
