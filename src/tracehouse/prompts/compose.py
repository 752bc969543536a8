"""Prompt composition: `@@@langfusePrompt:name=N|version=V@@@` (or `|label=L`) inside a prompt
is replaced by the text of the prompt it names, recursively. Pure, given a lookup function.

Langfuse resolves these references when a prompt is fetched; so do we (`resolve=false` serves
the stored text). Only text prompts can be referenced; cycles and deep chains are errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tracehouse.errors import InvalidRequest

REFERENCE = re.compile(
    r"@@@langfusePrompt:name=(?P<name>[^|@]+)\|(?P<kind>version|label)=(?P<value>[^|@]+)@@@"
)
MAX_DEPTH = 5

#: (name, "version" or "label", value) -> the referenced version's stored prompt (JSON value).
Lookup = Callable[[str, str, str], Any]


def has_references(prompt: Any) -> bool:
    if isinstance(prompt, str):
        return "@@@langfusePrompt:" in prompt
    if isinstance(prompt, list):
        return any(has_references(m.get("content")) for m in prompt if isinstance(m, dict))
    return False


def resolve(prompt: Any, lookup: Lookup, chain: tuple[str, ...] = ()) -> Any:
    """`prompt` (text, or chat messages) with every reference replaced by its text."""
    if isinstance(prompt, list):
        return [
            {**m, "content": resolve(m["content"], lookup, chain)}
            if isinstance(m, dict) and isinstance(m.get("content"), str)
            else m
            for m in prompt
        ]
    if not isinstance(prompt, str) or "@@@langfusePrompt:" not in prompt:
        return prompt
    return REFERENCE.sub(lambda match: _text(match, lookup, chain), prompt)


def _text(match: re.Match[str], lookup: Lookup, chain: tuple[str, ...]) -> str:
    name, kind, value = match["name"], match["kind"], match["value"]
    key = f"{name}|{kind}={value}"
    if key in chain or len(chain) >= MAX_DEPTH:
        raise InvalidRequest(
            f"Prompt references loop or nest deeper than {MAX_DEPTH}: {' -> '.join((*chain, key))}."
        )
    found = lookup(name, kind, value)
    if not isinstance(found, str):
        raise InvalidRequest(f"Referenced prompt {name!r} is not a text prompt.")
    resolved: str = resolve(found, lookup, (*chain, key))
    return resolved
