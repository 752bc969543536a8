"""Compiling prompts: `{{variable}}` substitution and chat message placeholders. Pure functions.

A variable missing from the given values is an error that names it (clients learn every missing
name at once); extra values are ignored. Non-string values are inserted as compact JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tracehouse import jsontext

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")


class MissingValues(ValueError):
    """Variables or placeholders the compile call did not supply."""

    def __init__(self, variables: list[str], placeholders: list[str]):
        self.variables = variables
        self.placeholders = placeholders
        parts = []
        if variables:
            parts.append("variables " + ", ".join(variables))
        if placeholders:
            parts.append("placeholders " + ", ".join(placeholders))
        super().__init__("Missing " + " and ".join(parts) + ".")


def variables_in(text: str) -> list[str]:
    """The distinct variable names in `text`, in order of first use."""
    return list(dict.fromkeys(VARIABLE.findall(text)))


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else jsontext.dumps(value) or "null"


def _fill(text: str, values: dict[str, Any]) -> str:
    return VARIABLE.sub(lambda m: _value_text(values[m.group(1)]), text)


def prompt_variables(prompt: str | list[dict[str, Any]]) -> list[str]:
    """Every variable a text or chat prompt uses."""
    if isinstance(prompt, str):
        return variables_in(prompt)
    texts = (m["content"] for m in prompt if isinstance(m.get("content"), str))
    return list(dict.fromkeys(name for text in texts for name in variables_in(text)))


def placeholder_names(prompt: str | list[dict[str, Any]]) -> list[str]:
    if isinstance(prompt, str):
        return []
    return [m["name"] for m in prompt if m.get("type") == "placeholder"]


def _missing(needed: Iterable[str], given: dict[str, Any]) -> list[str]:
    return [name for name in needed if name not in given]


def compile_prompt(
    prompt: str | list[dict[str, Any]],
    variables: dict[str, Any],
    placeholders: dict[str, list[dict[str, Any]]],
) -> str | list[dict[str, Any]]:
    """The prompt with variables filled and placeholders replaced by their messages."""
    missing_vars = _missing(prompt_variables(prompt), variables)
    missing_slots = _missing(placeholder_names(prompt), placeholders)
    if missing_vars or missing_slots:
        raise MissingValues(list(dict.fromkeys(missing_vars)), missing_slots)
    if isinstance(prompt, str):
        return _fill(prompt, variables)
    out: list[dict[str, Any]] = []
    for message in prompt:
        if message.get("type") == "placeholder":
            # Inserted verbatim: they are conversation turns, not template text.
            out.extend(placeholders[message["name"]])
        else:
            out.append(_filled_message(message, variables))
    return out


def _filled_message(message: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    filled = {k: v for k, v in message.items() if k != "type"}
    if isinstance(content, str):
        filled["content"] = _fill(content, variables)
    return filled
